// IPv6 clients against a real master over real sockets: every per-address limit (connections, uploads, the
// request rate) counts an IPv6 client by its /64, so a client cannot escape one by picking another address in
// its block, while another block goes on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { addLoopbackAddresses } from '../../test/support/loopback-ipv6.ts';
import { errorCode, multipart, received, request, useRawHttp } from '../../test/support/raw-http.ts';

const { start, connect } = useRawHttp();

describe('IPv6 clients', () => {
  // Two addresses of one /64 (one subscriber's block, whose last 64 bits a client picks freely) and one of another.
  const [first, sameBlock, otherBlock] = ['fd00:6701:0:1::1', 'fd00:6701:0:1::2', 'fd00:6701:0:2::1'];
  let removeAddresses: () => void;
  beforeAll(() => {
    removeAddresses = addLoopbackAddresses([first, sameBlock, otherBlock]);
  });
  afterAll(() => removeAddresses?.());

  it('count by their /64 toward MAX_CONNECTIONS_PER_ADDRESS', async () => {
    const master = await start({ host: '::', maxConnectionsPerAddress: 2 });
    await connect(master, first);
    await connect(master, sameBlock);
    const refused = await received(await connect(master, sameBlock));
    expect(refused).toMatch(/^HTTP\/1\.1 429 Too Many Requests\r\n/);
    expect(refused).toContain('"code":"too-many-connections-from-address"');
    expect((await request(master, { path: '/livez', from: otherBlock })).status).toBe(200);
  });

  it('count by their /64 toward MAX_UPLOADS_PER_ADDRESS', async () => {
    const master = await start({ host: '::', maxUploadsPerAddress: 1 });
    // An upload held in flight: its headers and half its body, then nothing.
    const socket = await connect(master, first);
    const held = multipart(10_000);
    socket.write(
      `POST /api/jobs HTTP/1.1\r\nHost: x\r\n${Object.entries(held.headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`,
    );
    socket.write(held.body.subarray(0, 5_000));
    await until(
      async () => (await request(master, { method: 'POST', path: '/api/jobs', from: sameBlock, ...multipart(10) })).status === 429,
      'the /64 to be at its upload cap',
    );
    // Elsewhere the small upload is read, and is not an image: 415.
    expect((await request(master, { method: 'POST', path: '/api/jobs', from: otherBlock, ...multipart(10) })).status).toBe(415);
  });

  it('count by their /64 toward API_REQUESTS_PER_WINDOW', async () => {
    const master = await start({ host: '::', apiRequestsPerWindow: 2, apiRateWindowMs: 60_000 });
    expect((await request(master, { path: '/api/jobs', from: first })).status).toBe(200);
    expect((await request(master, { path: '/api/jobs', from: sameBlock })).status).toBe(200);
    const refused = await request(master, { path: '/api/jobs', from: sameBlock });
    expect([refused.status, errorCode(refused)]).toEqual([429, 'too-many-requests']);
    expect((await request(master, { path: '/api/jobs', from: otherBlock })).status).toBe(200);
  });
});
