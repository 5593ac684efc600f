// A throwaway three-node Redis Cluster on 127.0.0.1 (no replicas, nothing on
// disk but the nodes' cluster config in a temp dir), for tests that must show
// the store works on a cluster.
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isPortFree, untilClusterOk } from '../../common/redis-cluster-probes.ts';
import { freePort } from './free-port.ts';
import { startRedis, stopRedis } from './redis-server.ts';

const run = promisify(execFile);

export interface RedisCluster {
  nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/** Each node also listens on its port + 10000 (the cluster bus), so ports must stay below 55536 and both be free. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port < 55536 && !taken.has(port) && (await isPortFree(port + 10_000))) return port;
  }
}

export async function startRedisCluster(size = 3): Promise<RedisCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-cluster-'));
  const taken = new Set<number>();
  const servers: ChildProcess[] = [];
  const stop = async () => {
    for (const server of servers) await stopRedis(server);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = await clusterPort(taken);
      taken.add(port);
      servers.push(await startRedis(port, { cluster: { configFile: path.join(dir, `nodes-${port}.conf`) } }));
    }
    const nodes = [...taken].map((port) => ({ host: '127.0.0.1', port }));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map(({ host, port }) => `${host}:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const node of nodes) await untilClusterOk(node.port);
    return { nodes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
