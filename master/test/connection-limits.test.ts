// Connection caps against a real master over real sockets: past MAX_CONNECTIONS_PER_ADDRESS (429) or
// MAX_CONNECTIONS (503) a connection is refused in plain words while other addresses and the probes answer, one sent
// more than MAX_PIPELINED_REQUESTS requests at once is closed, and a refused upgrade answers in the API's error shape (ws's own
// refusals of a bad handshake too) and gives its place back.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { received, request, useRawHttp } from '../../test/support/raw-http.ts';

const { start, connect, sockets } = useRawHttp();

describe('connection limits', () => {
  it('refuse a connection past MAX_CONNECTIONS_PER_ADDRESS with 429, while other addresses and the probes answer', async () => {
    const master = await start({ maxConnectionsPerAddress: 3 });
    for (let i = 0; i < 3; i++) await connect(master);
    const refused = await received(await connect(master));
    expect(refused).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(refused).toContain('Retry-After: 5');
    expect(refused).toContain('"code":"too-many-connections-from-address"');
    expect((await request(master, { path: '/livez', from: '127.0.0.2' })).status).toBe(200);

    // A closed connection gives its place back.
    sockets[0]!.destroy();
    await until(async () => (await request(master, { path: '/livez' }).catch(() => null))?.status === 200, 'a free place for 127.0.0.1');
  });

  it('refuse a connection past MAX_CONNECTIONS with 503', async () => {
    const master = await start({ maxConnections: 3 });
    await connect(master, '127.0.0.2');
    await connect(master, '127.0.0.3');
    await connect(master, '127.0.0.4');
    const refused = await received(await connect(master, '127.0.0.5'));
    expect(refused).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(refused).toContain('"code":"too-many-connections"');
  });

  it('close a connection sent more than MAX_PIPELINED_REQUESTS requests at once, answering none', async () => {
    const master = await start({ maxPipelinedRequests: 4 });
    const socket = await connect(master);
    const answers = received(socket);
    // Twenty requests in one packet, each answered after a store read: the fifth comes while four are in progress.
    socket.write('GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20));
    expect(await answers).toBe('');
    // As many as the cap in one packet are all answered.
    const within = await connect(master);
    const answered = received(within);
    within.write('GET /api/stats HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3) + 'GET /api/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect([...(await answered).matchAll(/HTTP\/1\.1 (\d+) /g)].map((match) => Number(match[1]))).toEqual([200, 200, 200, 200]);
    // One request at a time on a connection, as browsers send them, is never refused.
    for (let i = 0; i < 6; i++) expect((await request(master, { path: '/api/stats' })).status).toBe(200);
  });

  it('answer an upgrade whose request target is no URL with 400, and stay up', async () => {
    const master = await start({});
    for (const target of ['//[', '//a:99999']) {
      const socket = await connect(master);
      const answer = received(socket);
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      const refused = await answer;
      expect(refused).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(refused).toContain('"code":"bad-request-target"');
    }
    expect((await request(master, { path: '/livez' })).status).toBe(200);
  });

  it("answer a worker socket's handshake ws will not take in the API's error shape: 400 without a key or with another version, 405 for a POST", async () => {
    const master = await start({});
    const handshake = async (method: string, headers: string) => {
      const socket = await connect(master);
      const answer = received(socket);
      socket.write(`${method} /ws/worker HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`);
      return answer;
    };
    const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const noKey = await handshake('GET', 'Sec-WebSocket-Version: 13\r\n');
    expect(noKey).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Content-Type: application\/json/);
    expect(noKey).toContain('{"error":{"code":"bad-websocket-handshake","message":"not a WebSocket handshake: Missing or invalid Sec-WebSocket-Key header"}}');
    const otherVersion = await handshake('GET', `${key}Sec-WebSocket-Version: 7\r\n`);
    expect(otherVersion).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Sec-WebSocket-Version: 13, 8\r\n[\s\S]*"code":"bad-websocket-handshake"/);
    const posted = await handshake('POST', `${key}Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n`);
    expect(posted).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n[\s\S]*Allow: GET\r\n[\s\S]*"code":"method-not-allowed"/);
    expect((await request(master, { path: '/livez' })).status).toBe(200);
  });

  it('give back the place of a refused upgrade, even to a client that keeps its half of the connection open', async () => {
    const master = await start({ maxConnectionsPerAddress: 2, keepAliveTimeoutMs: 200, headersTimeoutMs: 500, requestTimeoutMs: 1_000 });
    const refusals = ['/not-the-worker-socket', '/ws/worker'].map(async (path) => {
      const socket = net.connect({ host: '127.0.0.1', port: master.port, allowHalfOpen: true });
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('error', () => {});
      socket.on('end', () => {}); // and never end our side
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nOrigin: http://elsewhere.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      await until(() => text.includes('\r\n\r\n{'), `the refusal of ${path}`);
      return text;
    });
    const [notFound, forbidden] = await Promise.all(refusals);
    expect(notFound).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*"code":"not-found"/);
    expect(forbidden).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n[\s\S]*"code":"origin-not-allowed"/);
    // Both places are free again, well before any timeout would matter: a third connection is served.
    await until(async () => (await request(master, { path: '/livez' }).catch(() => null))?.status === 200, 'a free place for 127.0.0.1', 5_000);
  });
});
