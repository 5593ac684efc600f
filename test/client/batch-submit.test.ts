// The batch client's reads of job status against a scripted HTTP server standing in for the master:
// a rate limit (429) on one read is waited out, and a master that stops answering, or a file that cannot be read,
// fails only that file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitBatch, type BatchOptions, type FileOutcome } from '../../client/batch-submit.ts';
import { isPlain } from '../../master/shown-text.ts';
import { jobView } from '../support/job-view.ts';

/** What the server does with a GET of a job: answer it, or not. */
type Read = (id: string, read: number, res: http.ServerResponse) => void;

let server: http.Server;
let masterUrl: string;
let onRead: Read;
/** What the server answers an upload: the job named after the file, unless a test says otherwise. */
const acknowledge = (fileName: string, res: http.ServerResponse) =>
  res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ jobs: [{ id: jobIdOf(fileName) }] }));
let onUpload: (fileName: string, res: http.ServerResponse) => void = acknowledge;
const readsById = new Map<string, number>();
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-submit-'));
const fifo = path.join(folder, 'fifo.jpg');
const files = ['a.jpg', 'b.jpg', 'c.jpg'].map((name) => path.join(folder, name));
// Each file's job is named after it, so a test can script one file's reads.
const jobIdOf = (fileName: string) => `job-${path.basename(fileName, '.jpg')}`;

beforeAll(async () => {
  files.forEach((file, i) => fs.writeFileSync(file, Buffer.from([0xff, 0xd8, 0xff, i])));
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'POST') {
        const fileName = /filename="([^"]+)"/.exec(Buffer.concat(chunks).toString('latin1'))![1]!;
        return onUpload(fileName, res);
      }
      const id = decodeURIComponent(req.url!.split('/').at(-1)!);
      const read = (readsById.get(id) ?? 0) + 1;
      readsById.set(id, read);
      onRead(id, read, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  masterUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  // A read left blocked on the FIFO (the bug its test catches) ends once a writer opens it, so the test process can exit.
  try {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
  } catch {
    // no reader waiting, or no FIFO: nothing to let go
  }
  server.closeAllConnections();
  server.close();
  fs.rmSync(folder, { recursive: true, force: true });
});

const done = (id: string, res: http.ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jobView(id, { status: 'done' })));

function options(overrides: Partial<BatchOptions> = {}): BatchOptions {
  readsById.clear();
  onUpload = acknowledge;
  return {
    masterUrl,
    ownerKey: 'owner-key-of-the-test',
    concurrency: 2,
    wait: true,
    pollMs: 10,
    readGiveUpAfterMs: 10_000,
    uploadLimits: null,
    attemptTimeoutMs: 2_000,
    giveUpAfterMs: 5_000,
    backoffInitialMs: 20,
    backoffMaxMs: 100,
    ...overrides,
  };
}

/** Each file's outcome as the batch hands it on, in the order of `list`. */
async function run(batch: BatchOptions, list = files) {
  const finished: FileOutcome[] = [];
  await submitBatch(list, batch, { uploaded: () => {}, finished: (outcome) => void finished.push(outcome) });
  const outcomes = list.map((file) => finished.find((outcome) => outcome.path === file)!);
  return { outcomes, finished };
}

describe('batch client, one file at a time', () => {
  it('waits out a 429 with Retry-After on one job and ends every file with its outcome', async () => {
    onRead = (id, read, res) => {
      if (id === 'job-b' && read === 1) return void res.writeHead(429, { 'retry-after': '1' }).end('too many requests from this address');
      done(id, res);
    };
    const { outcomes, finished } = await run(options());
    expect(outcomes.map((outcome) => [outcome.jobId, outcome.status, outcome.error])).toEqual([
      ['job-a', 'done', null],
      ['job-b', 'done', null],
      ['job-c', 'done', null],
    ]);
    expect(finished).toHaveLength(3);
    expect(readsById.get('job-b')).toBe(2);
  });

  it("keeps no file's outcome once it is finished and handed on: a run does not grow with its files", async () => {
    onRead = (id, _read, res) => done(id, res);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const handedOn: WeakRef<FileOutcome>[] = [];
    const kept: unknown = await submitBatch(files, options(), { uploaded: () => {}, finished: (outcome) => void handedOn.push(new WeakRef(outcome)) });
    // A WeakRef holds its target to the end of the turn that made or read it.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(handedOn).toHaveLength(3);
    expect({ kept, alive: handedOn.filter((ref) => ref.deref() !== undefined).length }).toEqual({ kept: undefined, alive: 0 });
  });

  it('starts no file until the row of the one before is taken: a results file or stdout that does not keep up holds the run back', async () => {
    onRead = (id, _read, res) => done(id, res);
    const batch = options({ concurrency: 1 });
    const happened: string[] = [];
    onUpload = (fileName, res) => {
      happened.push(`uploaded ${fileName}`);
      acknowledge(fileName, res);
    };
    // A row taken only a while after it is handed on, as by a reader that is slow to drain.
    const finished = async (outcome: FileOutcome) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      happened.push(`taken ${path.basename(outcome.path)}`);
    };
    await submitBatch(files, batch, { uploaded: () => {}, finished });
    expect(happened).toEqual(['uploaded a.jpg', 'taken a.jpg', 'uploaded b.jpg', 'taken b.jpg', 'uploaded c.jpg', 'taken c.jpg']);
  });

  it('sends a file name with a line break or a bidi control cleaned as the master takes it, the real path kept in the outcome', async () => {
    onRead = (id, _read, res) => done(id, res);
    const odd = ['new\nline.jpg', 'turned\u202egpj.jpg', 'tab\t\r\n.jpg'].map((name) => path.join(folder, name));
    odd.forEach((file) => fs.writeFileSync(file, Buffer.from([0xff, 0xd8, 0xff, 0xe0])));
    const batch = options({ concurrency: 1 });
    const sent: string[] = [];
    onUpload = (fileName, res) => {
      sent.push(fileName);
      acknowledge(fileName, res);
    };
    const { outcomes } = await run(batch, odd);
    // Each run of such characters one space, as the master shows a worker's failure reason: what its upload check passes.
    expect(sent).toEqual(['new line.jpg', 'turned gpj.jpg', 'tab .jpg']);
    for (const name of sent) expect(isPlain(name)).toBe(true);
    expect(outcomes.map((outcome) => [outcome.path, outcome.status])).toEqual(odd.map((file) => [file, 'done']));
  });

  it('gives one file an error outcome when the master stops answering its reads, and finishes the others', async () => {
    onRead = (id, _read, res) => {
      if (id === 'job-b') return; // never answered: each read times out
      done(id, res);
    };
    const { outcomes, finished } = await run(options({ attemptTimeoutMs: 200, readGiveUpAfterMs: 500 }));
    expect(outcomes.map((outcome) => [outcome.jobId, outcome.status])).toEqual([
      ['job-a', 'done'],
      ['job-b', 'read-failed'],
      ['job-c', 'done'],
    ]);
    expect(outcomes[1]!.error).toMatch(/^cannot read job job-b \(\d+ tries\): the master did not answer within 200 ms$/);
    expect(finished).toHaveLength(3);
  }, 20_000);

  it('gives a file that cannot be read an error outcome and sends the others', async () => {
    onRead = (id, _read, res) => done(id, res);
    const { outcomes } = await run(options(), [files[0]!, path.join(folder, 'gone.jpg')]);
    expect(outcomes.map((outcome) => [outcome.jobId, outcome.status])).toEqual([
      ['job-a', 'done'],
      [null, 'upload-failed'],
    ]);
    expect(outcomes[1]!.error).toMatch(/^cannot read the file: ENOENT/);
  });

  it("fails only the file whose job the master answers with something that is not a job (a proxy's HTML page, other JSON)", async () => {
    onRead = (id, _read, res) => {
      if (id === 'job-b') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx!</body></html>');
      if (id === 'job-c') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"fine"}');
      done(id, res);
    };
    const { outcomes, finished } = await run(options());
    expect(outcomes.map((outcome) => [outcome.jobId, outcome.status])).toEqual([
      ['job-a', 'done'],
      ['job-b', 'read-failed'],
      ['job-c', 'read-failed'],
    ]);
    expect(outcomes[1]!.error).toBe("cannot read job job-b: the master's answer is not a job (text/html: <html><body>Welcome to nginx!</body></html>)");
    expect(outcomes[2]!.error).toMatch(/^cannot read job job-c: the master's answer is not a job \(application\/json: \{"status":"fine"\}\)$/);
    expect(finished).toHaveLength(3);
  });

  it('fails only the file whose upload the master acknowledges with something that is not its jobs', async () => {
    onRead = (id, _read, res) => done(id, res);
    const batch = options();
    onUpload = (fileName, res) => {
      if (fileName !== 'b.jpg') return acknowledge(fileName, res);
      res.writeHead(201, { 'content-type': 'text/html' }).end('<h1>Created</h1>');
    };
    const { outcomes } = await run(batch);
    expect(outcomes.map((outcome) => [outcome.jobId, outcome.status, outcome.error])).toEqual([
      ['job-a', 'done', null],
      [null, 'upload-failed', "upload failed: 201 the master's answer names no job (text/html: <h1>Created</h1>)"],
      ['job-c', 'done', null],
    ]);
  });

  it('fails a FIFO put where an image was (after the walk) as not a regular file, instead of waiting for ever to read it', async () => {
    onRead = (id, _read, res) => done(id, res);
    execFileSync('mkfifo', [fifo]);
    const { outcomes } = await run(options(), [files[0]!, fifo]);
    expect(outcomes.map((outcome) => [outcome.jobId, outcome.status, outcome.error])).toEqual([
      ['job-a', 'done', null],
      [null, 'upload-failed', 'cannot read the file: not a regular file (a FIFO, socket or device)'],
    ]);
  }, 10_000); // before the fix it never ends: fail it soon rather than after the default two minutes

  it('refuses a file past MAX_UPLOAD_BYTES by its size on disk, without reading it into memory', async () => {
    onRead = (id, _read, res) => done(id, res);
    // 3 GiB, sparse: more than Node can read into one buffer (2 GiB), so a client that reads before it looks fails otherwise.
    const huge = path.join(folder, 'huge.jpg');
    fs.writeFileSync(huge, Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    fs.truncateSync(huge, 3 * 2 ** 30);
    const limits = { maxUploadBytes: 1000, maxUploadRequestBytes: 2000 };
    const { outcomes } = await run(options({ uploadLimits: limits }), [huge]);
    expect(outcomes.map((outcome) => [outcome.jobId, outcome.status, outcome.error])).toEqual([
      [null, 'upload-failed', `too large: ${3 * 2 ** 30} bytes, more than the master's MAX_UPLOAD_BYTES (1000); not sent`],
    ]);
  });
});
