// The shape scan before JSON.parse (json-shape.ts) against what honest workers and the master send: the largest
// message of each type the protocol allows, built from its own limits, stays far inside MAX_JSON_DEPTH and
// MAX_JSON_VALUES and is taken, by the parser and by a real master; and the scan reads a JSON text's depth and commas
// as JSON.parse would.
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import { jsonShapeProblem } from '../json-shape.ts';
import {
  CLASS_COUNT,
  FLEET_TOKEN_LENGTH,
  MAX_CREDIT,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_FAILURE_REASON_LENGTH,
  MAX_IMAGES_PER_HOUR,
  MAX_JSON_DEPTH,
  MAX_JSON_VALUES,
  MAX_WORKER_NAME_LENGTH,
  PAGE_STAGES,
  parseMasterMessage,
  parseWorkerMessage,
  PROTOCOL_VERSION,
  type MasterMessage,
  type WorkerMessage,
} from '../protocol.ts';

/** The depth and the values (scalars, arrays and objects; not keys) of a parsed JSON value. */
function shape(value: unknown): { depth: number; values: number } {
  if (value === null || typeof value !== 'object') return { depth: 0, values: 1 };
  const inner = (Array.isArray(value) ? value : Object.values(value)).map(shape);
  return { depth: 1 + Math.max(0, ...inner.map((s) => s.depth)), values: 1 + inner.reduce((sum, s) => sum + s.values, 0) };
}

// Text as hostile to a scan as a schema lets an honest page send: quotes, backslashes, brackets and commas, escapes.
const tricky = (length: number) => '",[{\\}]\u2028é😀'.repeat(length).slice(0, length);
const ids = { jobId: 'j'.repeat(64), leaseId: 'l'.repeat(64) };
const stages = Object.fromEntries(PAGE_STAGES.map((stage) => [stage, 3_599_999.123456789]));

/** The largest form of each message a worker sends, every optional field present and every list and text at its longest. */
const largestWorkerMessages: WorkerMessage[] = [
  {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    name: 'n'.repeat(MAX_WORKER_NAME_LENGTH),
    kind: 'headless',
    backend: 'webgpu',
    model: 'm'.repeat(128),
    credit: MAX_CREDIT,
    identity: { workerId: 'w'.repeat(64), token: `${'9'.repeat(15)}.${'t'.repeat(43)}` },
    fleetToken: tricky(FLEET_TOKEN_LENGTH.max),
    displayName: 'd'.repeat(MAX_DISPLAY_NAME_LENGTH),
    browser: 'chromium',
    limits: { cpuShare: 100, imagesPerHour: MAX_IMAGES_PER_HOUR },
  },
  { type: 'credit', credit: MAX_CREDIT, limits: { cpuShare: 50, imagesPerHour: MAX_IMAGES_PER_HOUR } },
  { type: 'profile', displayName: 'd'.repeat(MAX_DISPLAY_NAME_LENGTH) },
  {
    type: 'result',
    ...ids,
    predictions: Array.from({ length: 10 }, (_, i) => ({ index: CLASS_COUNT - 1 - i, label: tricky(200), probability: 0.099999999999999 - i / 1000 })),
    inferenceMs: 3_599_999.123456789,
    stages: stages as Extract<WorkerMessage, { type: 'result' }>['stages'],
    backend: 'b'.repeat(32),
    precision: 'fp16',
    model: 'm'.repeat(128),
  },
  { type: 'failure', ...ids, reason: tricky(MAX_FAILURE_REASON_LENGTH), retryable: true },
  { type: 'drain' },
];

/** The same for what the master sends a worker, which the page parses alike. */
const largestMasterMessages: MasterMessage[] = [
  {
    type: 'welcome',
    workerId: 'w'.repeat(64),
    identity: { workerId: 'w'.repeat(64), token: `${'9'.repeat(15)}.${'t'.repeat(43)}` },
    workerClass: 'trusted',
    leaseMs: Number.MAX_SAFE_INTEGER,
    heartbeatMs: 3_600_000,
  },
  { type: 'heartbeat', identity: { workerId: 'w'.repeat(64), token: `${'9'.repeat(15)}.${'t'.repeat(43)}` } },
  { type: 'cancel', ...ids },
  { type: 'error', code: tricky(64), message: tricky(1000) },
];

describe('the largest honest messages', () => {
  it.each(largestWorkerMessages.map((message) => [message.type, message] as const))('a worker’s %s is taken, well inside the shape limits', (_, message) => {
    const raw = JSON.stringify(message);
    const { depth, values } = shape(JSON.parse(raw));
    // Room to grow: half the depth, a quarter of the values.
    expect(depth).toBeLessThanOrEqual(MAX_JSON_DEPTH / 2);
    expect(values).toBeLessThanOrEqual(MAX_JSON_VALUES / 4);
    expect(jsonShapeProblem(raw, { depth: MAX_JSON_DEPTH / 2, values: MAX_JSON_VALUES / 4 })).toBeNull();
    expect(parseWorkerMessage(raw)).toMatchObject({ ok: true });
  });

  it('a result with every prediction, and a hello with every field, pretty-printed as a client might', () => {
    for (const message of largestWorkerMessages) expect(parseWorkerMessage(JSON.stringify(message, null, '\t'))).toMatchObject({ ok: true });
  });

  it.each(largestMasterMessages.map((message) => [message.type, message] as const))('the master’s %s is taken by the page, well inside them', (_, message) => {
    const raw = JSON.stringify(message);
    expect(jsonShapeProblem(raw, { depth: MAX_JSON_DEPTH / 2, values: MAX_JSON_VALUES / 4 })).toBeNull();
    expect(parseMasterMessage(raw)).toMatchObject({ ok: true });
  });
});

describe('the shape scan', () => {
  /** A pseudo-random JSON value (a fixed seed), its strings full of what a scan might misread. */
  function randomValue(next: () => number, depth: number): unknown {
    const pick = next();
    if (depth > 0 && pick < 0.25) return Array.from({ length: Math.floor(next() * 5) }, () => randomValue(next, depth - 1));
    if (depth > 0 && pick < 0.5)
      return Object.fromEntries(
        Array.from({ length: Math.floor(next() * 5) }, (_, i) => [`${tricky(Math.floor(next() * 8))}${i}`, randomValue(next, depth - 1)]),
      );
    if (pick < 0.7) return tricky(Math.floor(next() * 20)) + String.fromCharCode(Math.floor(next() * 0x20));
    if (pick < 0.85) return (next() - 0.5) * 1e-300 * 10 ** Math.floor(next() * 600);
    return [true, false, null][Math.floor(next() * 3)];
  }

  it('reads the depth and the values as JSON.parse would, whatever the strings hold and however spaced', () => {
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 500; i++) {
      const value = randomValue(next, 6);
      const raw = JSON.stringify(value, null, i % 2 ? 2 : undefined);
      const { depth, values } = shape(JSON.parse(raw));
      // Depth is exact; so are the values but for one more an empty container: never fewer than there are. (Strings are
      // values: a list of one string is not empty.)
      const empty = (raw.replace(/"(?:[^"\\]|\\.)*"/g, '0').match(/\[\s*\]|\{\s*\}/g) ?? []).length;
      expect(jsonShapeProblem(raw, { depth, values: values + empty }), raw).toBeNull();
      if (depth > 0) expect(jsonShapeProblem(raw, { depth: depth - 1, values: values + empty })).toMatch(/nests deeper/);
      if (values + empty > 1) expect(jsonShapeProblem(raw, { depth, values: values + empty - 1 }), raw).toMatch(/more than/);
    }
  });

  it('counts every value, those a nested container opens with too: many lists of one, each within the depth, are as many values', () => {
    // 200 arrays, each six inside one another around one number: 1,404 values behind 201 commas, of a valid credit
    // message nesting 8. Before, counted by the commas alone, it was taken as holding 202.
    const raw = `{"type":"credit","credit":1,"padding":[${Array.from({ length: 200 }, () => '[[[[[[0]]]]]]').join(',')}]}`;
    expect(shape(JSON.parse(raw))).toEqual({ depth: MAX_JSON_DEPTH, values: 1_404 });
    expect(parseWorkerMessage(raw)).toEqual({ ok: false, error: `message holds more than ${MAX_JSON_VALUES} values` });
  });

  it('is not fooled by escaped quotes and backslashes into reading brackets and commas as text', () => {
    // A string ending in an escaped backslash ends there: what follows is structure.
    expect(jsonShapeProblem(`{"a":"\\\\",${'"b":1,'.repeat(10)}"c":[[[[]]]]}`, { depth: 4, values: 10 })).toMatch(/more than 10 values/);
    expect(jsonShapeProblem(`["\\\\",[[[[]]]]]`, { depth: 4, values: 10 })).toMatch(/nests deeper than 4/);
    // An escaped quote does not end one: what follows is text.
    expect(jsonShapeProblem(`["\\"[[[[[,,,,,,"]`, { depth: 1, values: 2 })).toBeNull();
    expect(jsonShapeProblem(`["\\u0022[[[[[,,,,,,"]`, { depth: 1, values: 2 })).toBeNull();
  });
});

describe('a real master', () => {
  const grid = useSyntheticGrid();

  it('takes the largest honest message of each type from a returning fleet page, all in a burst, refusing none', async () => {
    const fleetToken = 'f'.repeat(FLEET_TOKEN_LENGTH.max);
    await grid.start({ fleetToken });
    const [hello, , profile, result, failure, drain] = largestWorkerMessages as [Extract<WorkerMessage, { type: 'hello' }>, ...WorkerMessage[]];
    const { name, credit, displayName, browser, limits } = hello;
    // A page computing in half floats on WebGL: the backend a result names must be one the master knows.
    const largest = { name, credit, displayName, browser, limits, fleetToken, backend: 'webgl' as const };
    const { hash: model } = (await fetch(`${grid.master.url}/api/model`).then((r) => r.json())) as { hash: string };
    const first = await grid.connect({ hello: { ...largest, credit: 0 } });
    const page = await grid.connect({ hello: { ...largest, identity: first.welcome.identity } });
    const [done, failed] = await grid.submit(2);
    await until(() => page.jobs.length === 2, 'both jobs dealt');
    const answered = (index: number) => ({ jobId: page.jobs[index]!.header.jobId, leaseId: page.jobs[index]!.header.leaseId });
    const messages: WorkerMessage[] = [
      { type: 'credit', credit: MAX_CREDIT - 1, limits: { cpuShare: 50, imagesPerHour: MAX_IMAGES_PER_HOUR } },
      profile!,
      { ...(result as Extract<WorkerMessage, { type: 'result' }>), ...answered(0), backend: 'webgl', inferenceMs: 1.2345678901234567, model },
      { ...(failure as Extract<WorkerMessage, { type: 'failure' }>), ...answered(1), retryable: false },
      drain!,
    ];
    for (const message of messages) page.send(JSON.stringify(message));
    await until(async () => (await grid.job(failed!)).status === 'failed', 'the failure taken');
    expect((await grid.job(done!)).result?.predictions).toHaveLength(10);
    expect(page.messages.filter((message) => message.type === 'error')).toEqual([]);
    expect(grid.master.hub.counters).toMatchObject({ badMessages: 0, tooFast: 0 });
  });
});
