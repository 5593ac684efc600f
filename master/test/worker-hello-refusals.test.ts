// Hellos the master refuses or reads its own way: names that would break a board, a backend TF.js does not have,
// a browser family it does not total, a kind a volunteer is not, a first message that is not hello,
// another model.
import { describe, expect, it } from 'vitest';
import { until } from '../../test/support/jobs-client.ts';
import { useSyntheticGrid } from '../../test/support/synthetic-grid.ts';
import type { WorkerView } from '../api-types.ts';

const grid = useSyntheticGrid();

/** A socket with no SyntheticWorker behind it, to send hellos the schema refuses; its replies as they come. */
async function rawSocket() {
  const raw = await grid.openWorkerSocket();
  const replies: { code: string; message: string }[] = [];
  raw.on('message', (d) => replies.push(JSON.parse(d.toString())));
  return { raw, replies };
}

describe('hellos refused', () => {
  it("lists a volunteer saying it is the fleet's headless worker as the volunteer it is: kind and class are the master's word", async () => {
    await grid.start();
    await grid.connect({ name: 'headless-1', hello: { kind: 'headless' } });
    await grid.connectTrusted({ name: 'headless-2', hello: { kind: 'headless' } });
    const listed = (await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    const byName = Object.fromEntries(listed.workers.map((worker) => [worker.name, worker]));
    expect(byName['headless-1']).toMatchObject({ kind: 'volunteer', workerClass: 'volunteer' });
    expect(byName['headless-2']).toMatchObject({ kind: 'headless', workerClass: 'trusted' });
  });

  it('refuses a hello whose name would break or reverse text on a board', async () => {
    await grid.start();
    const { raw, replies } = await rawSocket();
    const hello = { type: 'hello', protocol: 1, kind: 'volunteer', model: 'the-schema-refuses-first', credit: 1, backend: 'wasm' };
    raw.send(JSON.stringify({ ...hello, name: 'invoice\u202Egpj.exe' }));
    raw.send(JSON.stringify({ ...hello, name: 'two\nlines' }));
    await until(() => replies.length === 2, 'two refusals');
    expect(replies.map((r) => r.code)).toEqual(['bad-message', 'bad-message']);
    for (const reply of replies) expect(reply.message).toContain('no control or formatting characters');
    expect(grid.master.workers.size).toBe(0);
    raw.close();
  });

  // The backend is shown as it is on /stats and on every job page the worker works on; before, any text went, so a
  // stranger could stack marks over those rows or write a sentence of theirs there.
  it("refuses a hello naming a backend that is not one of TF.js's, as a result naming one is refused", async () => {
    await grid.start();
    const { raw, replies } = await rawSocket();
    const hello = { type: 'hello', protocol: 1, kind: 'volunteer', model: 'the-schema-refuses-first', credit: 1, name: 'fine' };
    const zalgo = 'w' + '\u0336\u0489\u035c'.repeat(10);
    for (const backend of [zalgo, 'Visit evil.example', 'wasm\u0000']) raw.send(JSON.stringify({ ...hello, backend }));
    await until(() => replies.length === 3, 'three refusals');
    expect(replies.map((r) => r.code)).toEqual(['bad-message', 'bad-message', 'bad-message']);
    for (const reply of replies) expect(reply.message).toBe('✖ Invalid option: expected one of "webgpu"|"webgl"|"wasm"|"cpu"\n  → at backend');
    expect(grid.master.workers.size).toBe(0);
    raw.close();
  });

  it('refuses a hello whose name would spill over the rows around it or show blank, saying why; takes real scripts, composed', async () => {
    await grid.start();
    const { raw, replies } = await rawSocket();
    const hello = { type: 'hello', protocol: 1, kind: 'volunteer', model: 'the-schema-refuses-first', credit: 1, backend: 'wasm' };
    const zalgo = 'A' + '\u0336\u0489\u035c'.repeat(13);
    const hangulFiller = '\u3164';
    const brailleBlank = '\u2800'.repeat(3);
    for (const name of [zalgo, hangulFiller, brailleBlank]) raw.send(JSON.stringify({ ...hello, name }));
    await until(() => replies.length === 3, 'three refusals');
    expect(replies.map((r) => r.code)).toEqual(['bad-message', 'bad-message', 'bad-message']);
    expect(replies[0]!.message).toContain('a name may put at most 4 combining marks on one character');
    // A Hangul filler is one of the invisible characters no name may hold; blank braille shows, but nothing one can read.
    expect(replies[1]!.message).toContain('a name may hold no control or formatting characters');
    expect(replies[2]!.message).toContain('a name needs a visible letter, digit, punctuation mark or symbol');
    expect(grid.master.workers.size).toBe(0);
    raw.close();

    // Tibetan stacks three marks on a letter; "e" + a combining acute is listed as the one character "é".
    await grid.connect({ name: 'བསྒྲུབས' });
    const rene = await grid.connect({ name: 'Rene\u0301' });
    // A leaderboard name follows the same rule.
    rene.send({ type: 'profile', displayName: '\u2800\u2800' });
    await until(() => rene.messages.some((m) => m.type === 'error' && m.message.includes('a name needs a visible letter')), 'the blank name refused');
    const listed = (await fetch(`${grid.master.url}/api/workers`).then((r) => r.json())) as { workers: WorkerView[] };
    expect(listed.workers.map((worker) => worker.name).sort()).toEqual(['René', 'བསྒྲུབས'].sort());
  });

  it('refuses a hello naming a browser family the leaderboard does not total, as each one kept would be a total for good', async () => {
    await grid.start();
    const { raw, replies } = await rawSocket();
    raw.send(
      JSON.stringify({
        type: 'hello',
        protocol: 1,
        kind: 'volunteer',
        model: 'the-schema-refuses-first',
        credit: 1,
        name: 'fine',
        backend: 'wasm',
        browser: 'zzzz',
      }),
    );
    await until(() => replies.length === 1, 'a refusal');
    expect(replies[0]).toMatchObject({ code: 'bad-message' });
    expect(replies[0]!.message).toContain('browser');
    expect(grid.master.workers.size).toBe(0);
    raw.close();
  });

  it('closes a socket whose first message is not hello, and one that runs another model', async () => {
    await grid.start();
    const { raw, replies } = await rawSocket();
    raw.send(JSON.stringify({ type: 'drain' }));
    raw.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'old', kind: 'volunteer', backend: 'wasm', model: 'stale-hash', credit: 1 }));
    const code = await new Promise((r) => raw.once('close', r));
    expect(code).toBe(4001);
    expect(replies.map((r) => r.code)).toEqual(['hello-first', 'model-mismatch']);
  });
});

describe('what waited on a refused hello', () => {
  it('is dropped with the socket, not refused as malformed: a page sending its credit before the welcome is not cut off as a garbler', async () => {
    await grid.start();
    const { raw, replies } = await rawSocket();
    const model = ((await fetch(`${grid.master.url}/api/model`).then((r) => r.json())) as { hash: string }).hash;
    const forged = { workerId: 'a'.repeat(22), token: `${Date.now()}.${'A'.repeat(43)}` };
    raw.send(JSON.stringify({ type: 'hello', protocol: 1, name: 'returning', kind: 'volunteer', backend: 'wasm', model, credit: 1, identity: forged }));
    // Sent before the welcome, as the page sends a changed credit at once: each waits on the hello's identity check.
    for (let credit = 2; credit < 2 + grid.master.config.maxMalformedMessages; credit++) raw.send(JSON.stringify({ type: 'credit', credit }));
    const closed = await new Promise<[number, string]>((r) => raw.once('close', (code, reason) => r([code, reason.toString()])));
    expect(closed).toEqual([4003, 'worker identity token does not verify']);
    // They are handled (or dropped) as the check ends, before the close reaches the page. Before, each was refused then
    // as sent before hello ('hello-first'), and the socket counted as cut off for too many malformed messages, in the
    // log and /metrics, though it sent none.
    expect(grid.master.hub.counters).toMatchObject({ badMessages: 0, tooManyMalformed: 0 });
    expect(replies).toEqual([]);
  });
});
