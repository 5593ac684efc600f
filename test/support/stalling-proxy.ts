// A TCP proxy (to Redis, or to a master) that a test can make stop answering: what is sent through it is held, never
// forwarded, and the sockets stay open, as with a server that hangs or a network that drops packets without
// resetting connections. stall() stops every connection, new ones too; freezeOpen() only those open now, as when a
// NAT entry is dropped or a route lost: the old connections are dead, but a new one gets through; dropFrozen() then
// closes them on the client's side, as its system does once it gives up on them, and what they held never arrives.
import net from 'node:net';

export interface StallingProxy {
  /** Where to point a client, e.g. `redis://127.0.0.1:${port}/0`. */
  port: number;
  /** Client connections open now (those frozen included). */
  readonly open: number;
  /** From now on nothing passes either way, on open connections or new ones. */
  stall(): void;
  /** From now on nothing passes either way on the connections open now, not even a close; new ones pass as before. */
  freezeOpen(): void;
  /** The frozen connections close on the client's side; the server never hears of it, nor of what they held. */
  dropFrozen(): void;
  close(): Promise<void>;
}

export async function stallingProxy(target: { host: string; port: number }): Promise<StallingProxy> {
  let stalled = false;
  const sockets = new Set<net.Socket>();
  /** Each client connection's state: whether it is frozen. */
  const pairs = new Map<net.Socket, { frozen: boolean }>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy()).on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    if (stalled) return;
    const pair = { frozen: false };
    pairs.set(client, pair);
    client.on('close', () => pairs.delete(client));
    const upstream = net.connect(target);
    track(upstream);
    const passes = () => !stalled && !pair.frozen;
    const forward = (from: net.Socket, to: net.Socket) => from.on('data', (chunk) => void (passes() && to.write(chunk)));
    forward(client, upstream);
    forward(upstream, client);
    // A frozen connection's far end never hears of a close: its packets are lost.
    client.on('close', () => void (pair.frozen || upstream.destroy()));
    upstream.on('close', () => void (pair.frozen || client.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get open() {
      return pairs.size;
    },
    stall: () => void (stalled = true),
    freezeOpen: () => {
      for (const pair of pairs.values()) pair.frozen = true;
    },
    dropFrozen: () => {
      for (const [client, pair] of pairs) if (pair.frozen) client.destroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
