// The load generator against a scripted HTTP server standing in for the master.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelay } from '../../common/backoff.ts';
import { retryBackoff, retryDelay } from '../runner/retrying-request.ts';
import { runOpenLoop, type PlannedUpload, type UploadPlan } from '../runner/upload-client.ts';

type Behaviour = (attempt: number, res: http.ServerResponse) => void;

const created = (res: http.ServerResponse, replayed = false) =>
  res.writeHead(201, { 'content-type': 'application/json', 'idempotent-replayed': String(replayed) }).end(JSON.stringify({ jobs: [{ id: 'job-1' }] }));

let server: http.Server;
let masterUrl: string;
let behaviour: Behaviour;
const arrivals: { key: string; authorization: string | undefined }[] = [];
const attemptsByKey = new Map<string, number>();
const imageFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'upload-client-')), 'image.jpg');

beforeAll(async () => {
  fs.writeFileSync(imageFile, Buffer.from([0xff, 0xd8, 0xff]));
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = req.headers['idempotency-key'] as string;
      const attempt = (attemptsByKey.get(key) ?? 0) + 1;
      attemptsByKey.set(key, attempt);
      arrivals.push({ key, authorization: req.headers.authorization });
      behaviour(attempt, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  masterUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
  fs.rmSync(path.dirname(imageFile), { recursive: true, force: true });
});

function plan(keys: string[], overrides: Partial<UploadPlan> = {}): UploadPlan {
  arrivals.length = 0;
  attemptsByKey.clear();
  const uploads: PlannedUpload[] = keys.map((key) => ({ key, fileName: `${key}_image.jpg`, path: imageFile }));
  return {
    masterUrl,
    // Given, so no POST /api/owner is made first (upload-owner.ts asks a real master for one).
    ownerKey: 'owner-key-of-the-test',
    ratePerSecond: 20,
    uploads,
    attemptTimeoutMs: 2_000,
    giveUpAfterMs: 5_000,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
    ...overrides,
  };
}

describe('open-loop upload client', () => {
  it('starts each upload on schedule without waiting for earlier answers', async () => {
    // No upload is answered until all five have arrived: a client waiting for answers would see its first attempt
    // time out (after the test's own timeout). Behaviour, not timing: nothing here depends on how busy the machine is.
    const held: http.ServerResponse[] = [];
    behaviour = (_attempt, res) => {
      held.push(res);
      if (held.length === 5) for (const waiting of held) created(waiting);
    };
    const results = await runOpenLoop(plan(['a', 'b', 'c', 'd', 'e'], { attemptTimeoutMs: 60_000, giveUpAfterMs: 60_000 }));
    // Every attempt as the one owner, so a retry's Idempotency-Key finds the job (keys are their owner's own).
    expect(new Set(arrivals.map((a) => a.authorization))).toEqual(new Set(['Bearer owner-key-of-the-test']));
    expect(arrivals.map((a) => a.key).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    results.forEach((result, i) => {
      expect(result.attempts.map((a) => a.outcome)).toEqual(['created']);
      // The schedule, not the send: intended times 50 ms apart at 20/s, and the acknowledgement is the 201's arrival.
      expect(result.intendedAt - results[0]!.intendedAt).toBeCloseTo(i * 50, 6);
      expect(result.ackedAt).toBe(result.attempts[0]!.endedAt);
    });
  });

  it('retries a stalled upload under the same Idempotency-Key and records each attempt', async () => {
    behaviour = (attempt, res) => {
      if (attempt === 1) return; // the first answer never comes: the attempt times out
      created(res, true);
    };
    // A second's timeout, which the answered retry, in this process, does not reach on a loaded machine.
    const [result] = await runOpenLoop(plan(['stalled'], { attemptTimeoutMs: 1_000 }));
    expect(result!.attempts.map((a) => a.outcome)).toEqual(['timeout', 'replayed']);
    expect(arrivals.map((a) => a.key)).toEqual(['stalled', 'stalled']);
    expect(result!.jobId).toBe('job-1');
    expect(result!.ackedAt).toBe(result!.attempts[1]!.endedAt);
  });

  it('waits as long as Retry-After says when the master is full', async () => {
    behaviour = (attempt, res) => (attempt === 1 ? res.writeHead(503, { 'retry-after': '1' }).end('{}') : created(res));
    const [result] = await runOpenLoop(plan(['busy']));
    expect(result!.attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['busy', 503],
      ['created', 201],
    ]);
  });

  it('tries again when the master caps this client (429), after its Retry-After', async () => {
    behaviour = (attempt, res) => (attempt === 1 ? res.writeHead(429, { 'retry-after': '1' }).end('{}') : created(res));
    const [result] = await runOpenLoop(plan(['capped']));
    expect(result!.attempts.map((a) => [a.outcome, a.status])).toEqual([
      ['busy', 429],
      ['created', 201],
    ]);
  });

  it('does not retry an upload the master refuses', async () => {
    behaviour = (_attempt, res) => res.writeHead(415).end('not an image');
    const [result] = await runOpenLoop(plan(['refused']));
    expect(result!.attempts.map((a) => a.outcome)).toEqual(['refused']);
    expect(result!.attempts[0]!.detail).toBe('not an image');
    expect(result!.ackedAt).toBeNull();
  });

  it('gives up once no retry may start within the give-up time', async () => {
    behaviour = () => {};
    const [result] = await runOpenLoop(plan(['lost'], { attemptTimeoutMs: 100, giveUpAfterMs: 600 }));
    expect(result!.ackedAt).toBeNull();
    expect(result!.jobId).toBeNull();
    // How many attempts fit in 600 ms depends on the machine's load: only that each timed out and the run ended is asserted.
    expect(result!.attempts.length).toBeGreaterThanOrEqual(1);
    expect(result!.attempts.every((a) => a.outcome === 'timeout')).toBe(true);
  });
});

describe('retry backoff', () => {
  const policy = { backoffInitialMs: 250, backoffMaxMs: 4_000 };
  const delays = (random: number) => [0, 1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(retry, retryBackoff(policy), () => random));

  it('doubles from backoffInitialMs up to backoffMaxMs, jittered so stalled uploads do not retry in step', () => {
    const ceilings = [250, 500, 1_000, 2_000, 4_000, 4_000, 4_000];
    expect(delays(1)).toEqual(ceilings);
    expect(delays(0)).toEqual(ceilings.map((ceiling) => ceiling / 2));
    // Any draw lands in [ceiling / 2, ceiling]: two uploads stalled together draw apart.
    delays(0.3).forEach((delay, i) => {
      expect(delay).toBe(ceilings[i]! * 0.65);
      expect(delay).toBeGreaterThanOrEqual(ceilings[i]! / 2);
      expect(delay).toBeLessThanOrEqual(ceilings[i]!);
    });
  });

  it("waits the master's Retry-After when it gives one, else backs off", () => {
    const busy = (headers: Record<string, string>) => ({ headers: new Headers(headers) });
    expect(retryDelay(busy({ 'retry-after': '1' }), 0, policy, () => 1)).toBe(1_000);
    expect(retryDelay(busy({ 'retry-after': '3' }), 5, policy, () => 1)).toBe(3_000);
    expect(retryDelay(busy({}), 2, policy, () => 1)).toBe(1_000);
    expect(retryDelay({ headers: null }, 0, policy, () => 0)).toBe(125);
  });
});
