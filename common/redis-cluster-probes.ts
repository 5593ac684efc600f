// What starting a local Redis Cluster waits on (metrics/scale-cluster.ts, the cluster of bench:scale and of the
// tests): a port nobody listens on, and a node that agrees on the slots.
import net from 'node:net';
import { Redis } from 'ioredis';

/** Whether nothing listens on this port of 127.0.0.1 (a node also needs its port + 10000 free, for the cluster bus). */
export async function isPortFree(port: number): Promise<boolean> {
  const probe = net.createServer();
  const listening = await new Promise<boolean>((resolve) => {
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (listening) await new Promise((resolve) => probe.close(resolve));
  return listening;
}

/** The nodes agree on the slots a moment after `--cluster create`, or after a node rejoined: waits up to 20 s for it. */
export async function untilClusterOk(port: number): Promise<void> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true });
  client.on('error', () => {});
  try {
    await client.connect();
    for (let i = 0; i < 400; i++) {
      if (String(await client.cluster('INFO')).includes('cluster_state:ok')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the Redis Cluster node on port ${port} never reported cluster_state:ok`);
  } finally {
    client.disconnect();
  }
}
