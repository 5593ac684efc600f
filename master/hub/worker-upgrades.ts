// Which connection upgrades become worker sockets, checked before any WebSocket exists: the worker socket's path, the
// page's Origin (ALLOWED_ORIGINS), and the address's request rate (API_REQUESTS_PER_WINDOW: each socket opened costs a
// hello's checks and store writes). Refusals are in the API's error shape; another protocol's offer (h2c) is served
// as plain HTTP.
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { IgnoreUpgrade } from '../http/ignored-upgrade.ts';
import { AddressCounts } from '../http/address-counts.ts';
import { clientOf, fromTrustedProxy, type ProxyTrust } from '../http/client-address.ts';
import { ADDRESS_FULL } from '../http/connection-limits.ts';
import { originAllowed } from '../http/origin-check.ts';
import { rawRefusal, refuseOnSocket } from '../http/raw-refusal.ts';
import type { RequestRate } from '../http/request-rate.ts';
import type { Logger } from '../log.ts';
import { WORKER_SOCKET_PATH } from '../protocol.ts';

export interface UpgradeRules {
  /** Origins besides the master's own whose pages may open a worker socket (ALLOWED_ORIGINS). */
  allowedOrigins?: string[];
  /** Each socket opened counts as a request from its address: a reconnect loop costs hellos. */
  requestRate: RequestRate;
  /** The reverse proxies whose forwarded addresses are believed (TRUSTED_PROXIES; client-address.ts). */
  proxyTrust: ProxyTrust;
  /**
   * Worker sockets open at once from one client behind a trusted proxy (MAX_CONNECTIONS_PER_ADDRESS), its upgrades
   * still being counted included: the proxy's connections pass that cap, as they carry many clients, so its clients'
   * long-lived sockets are counted here.
   */
  maxConnectionsPerAddress: number;
}

type Upgrade = (request: IncomingMessage, socket: Socket, head: Buffer) => void;

/** Hands each upgrade that passes the rules to `take`. */
export function takeWorkerUpgrades(server: Server, ignoreUpgrade: IgnoreUpgrade, rules: UpgradeRules, log: Logger, take: Upgrade): void {
  const proxied = new AddressCounts();
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (request.headers.upgrade?.toLowerCase() !== 'websocket') return ignoreUpgrade(request, socket, head);
    // Any request target reaches here, "//[" too: one that is no URL must not throw in this listener (it would end the process).
    const pathname = pathOf(request.url ?? '/');
    if (pathname === undefined) return refuseOnSocket(socket, rawRefusal(400, 'bad-request-target', 'the request target is not a URL path'));
    if (pathname !== WORKER_SOCKET_PATH) {
      return refuseOnSocket(socket, rawRefusal(404, 'not-found', `only ${WORKER_SOCKET_PATH} takes a connection upgrade (a worker's WebSocket)`));
    }
    if (!originAllowed(request, rules.allowedOrigins)) {
      const message = "this page may not run a worker here: its origin is not the master's, nor in ALLOWED_ORIGINS";
      return refuseOnSocket(socket, rawRefusal(403, 'origin-not-allowed', message));
    }
    const address = clientOf(request, rules.proxyTrust);
    if (fromTrustedProxy(socket, rules.proxyTrust)) {
      if (proxied.of(address) >= rules.maxConnectionsPerAddress) return refuseOnSocket(socket, ADDRESS_FULL);
      // Taken before the rate is counted (with Redis, a round trip): the client's upgrades arriving meanwhile see it.
      // The socket's close gives it back, whether it became a worker's or was refused.
      proxied.take(address);
      socket.once('close', () => proxied.release(address));
    }
    // Node takes its own error listener off an upgrading socket, and ws adds one only in take: a client that resets
    // while its rate is counted (a Redis round trip) would otherwise raise an error no one listens to, ending the process.
    const destroyOnError = () => socket.destroy();
    socket.on('error', destroyOnError);
    void rules.requestRate.count(address).then(
      (refused) => {
        if (socket.destroyed) return;
        if (refused) return refuseOnSocket(socket, rawRefusal(refused.status, refused.code, refused.message, refused.headers));
        socket.off('error', destroyOnError);
        take(request, socket, head);
      },
      (error: unknown) => {
        log.warn({ err: error }, 'could not count a worker socket against its address');
        refuseOnSocket(socket, rawRefusal(503, 'unavailable', 'the master cannot take a worker socket just now; try again shortly', { 'Retry-After': '5' }));
      },
    );
  });
}

/** The path of a request target, or undefined when it is no URL. */
function pathOf(target: string): string | undefined {
  try {
    return new URL(target, 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}
