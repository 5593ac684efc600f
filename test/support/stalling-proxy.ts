// A TCP proxy to Redis that a test can make stop answering: what is sent through it is held, never forwarded, and
// the sockets stay open, as with a Redis that hangs or a network that drops packets without resetting connections.
import net from 'node:net';

export interface StallingProxy {
  /** Where to point a client, e.g. `redis://127.0.0.1:${port}/0`. */
  port: number;
  /** From now on nothing passes either way, on open connections or new ones. */
  stall(): void;
  close(): Promise<void>;
}

export async function stallingProxy(target: { host: string; port: number }): Promise<StallingProxy> {
  let stalled = false;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy()).on('close', () => sockets.delete(socket));
  };
  const forward = (from: net.Socket, to: net.Socket) => from.on('data', (chunk) => void (stalled || to.write(chunk)));
  const server = net.createServer((client) => {
    track(client);
    if (stalled) return;
    const upstream = net.connect(target);
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stall: () => void (stalled = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
