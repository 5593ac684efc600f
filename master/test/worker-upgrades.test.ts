// A worker socket's upgrade waits on its address's request count (a Redis round trip when masters share it): a client
// that resets its connection meanwhile must cost nothing but its socket. Node takes its own error listener off an
// upgrading socket, so without one of the master's the reset would be an error no one listens to, ending the process.
// Real HTTP server and sockets; the count is held open by the test.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { proxyTrust } from '../http/client-address.ts';
import { upgradeIgnorer } from '../http/ignored-upgrade.ts';
import type { HttpError } from '../http/errors.ts';
import type { RequestRate } from '../http/request-rate.ts';
import { takeWorkerUpgrades } from '../hub/worker-upgrades.ts';
import { createLogger } from '../log.ts';
import { WORKER_SOCKET_PATH } from '../protocol.ts';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

it('drops an upgrade whose client reset the connection while its rate was counted, and takes nothing', async () => {
  let counted: (refused: HttpError | null) => void = () => {};
  let counts = 0;
  const requestRate = {
    count: () => {
      counts++;
      return new Promise<HttpError | null>((resolve) => (counted = resolve));
    },
  } as unknown as RequestRate;
  const taken: net.Socket[] = [];
  server = http.createServer((_req, res) => void res.end('plain'));
  takeWorkerUpgrades(
    server,
    upgradeIgnorer(server),
    { requestRate, proxyTrust: proxyTrust(), maxConnectionsPerAddress: 10 },
    createLogger('silent'),
    (_request, socket) => void taken.push(socket),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const client = net.connect({ host: '127.0.0.1', port });
  client.on('error', () => {});
  await new Promise((resolve) => client.once('connect', resolve));
  client.write(`GET ${WORKER_SOCKET_PATH} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
  await until(() => counts === 1, 'the upgrade being counted');
  client.resetAndDestroy();
  await until(
    async () => (await new Promise<number>((resolve, reject) => server!.getConnections((e, n) => (e ? reject(e) : resolve(n))))) === 0,
    'the reset seen',
  );

  counted(null);
  await new Promise((resolve) => setImmediate(resolve));
  expect(taken).toEqual([]);
  // Still serving.
  expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('plain');
});
