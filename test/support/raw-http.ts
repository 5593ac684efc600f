// Raw sockets and plain HTTP requests against a real master from a loopback address of the test's choosing
// (Linux answers on all of 127/8; IPv6 ones are added), for the tests of the master's connection, upload and
// request-rate limits.
import http from 'node:http';
import net from 'node:net';
import { afterEach } from 'vitest';
import type { Config } from '../../master/config.ts';
import { startTestMaster, type TestMaster } from './test-master.ts';

export interface RawHttp {
  /** Starts a master with these config overrides, closed after the test. */
  start(overrides: Partial<Record<keyof Config, unknown>>): Promise<TestMaster>;
  /** A raw connection from a loopback address of our choosing, destroyed after the test. */
  connect(master: TestMaster, from?: string): Promise<net.Socket>;
  /** The sockets still open this test, in the order they were opened. */
  sockets: net.Socket[];
}

/** Call at the top of a test file: after each test its sockets are destroyed and its masters closed. */
export function useRawHttp(): RawHttp {
  const masters: TestMaster[] = [];
  const sockets: net.Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const master of masters.splice(0)) await master.close();
  });

  async function start(overrides: Partial<Record<keyof Config, unknown>>): Promise<TestMaster> {
    const master = await startTestMaster(overrides);
    masters.push(master);
    return master;
  }

  async function connect(master: TestMaster, from = '127.0.0.1'): Promise<net.Socket> {
    const socket = net.connect({ host: masterHost(from), port: master.port, localAddress: from });
    sockets.push(socket);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return socket;
  }

  return { start, connect, sockets };
}

/** The master's loopback address in the family of `from`. */
export const masterHost = (from: string) => (net.isIPv6(from) ? '::1' : '127.0.0.1');

/** Everything the master sends on a socket until it closes it. */
export function received(socket: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => {});
    socket.once('close', () => resolve(text));
  });
}

/** A master's answer: its status, headers and whole body. */
export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request from a chosen loopback address. */
export function request(
  master: TestMaster,
  options: { method?: string; path: string; from?: string; body?: Buffer; headers?: Record<string, string> },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const from = options.from ?? '127.0.0.1';
    const req = http.request(
      {
        host: masterHost(from),
        port: master.port,
        method: options.method ?? 'GET',
        path: options.path,
        localAddress: from,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The `error.code` of a JSON error answer. */
export const errorCode = (answer: Answer) => (JSON.parse(answer.body) as { error: { code: string } }).error.code;

/** A multipart upload of one "image" part of `bytes` bytes (not a real image), with its headers. */
export function multipart(bytes: number): { body: Buffer; headers: Record<string, string> } {
  const boundary = 'limits-test-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
    Buffer.alloc(bytes, 1),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': String(body.length) } };
}
