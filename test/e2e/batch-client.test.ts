// The batch client (npm run submit) as a person runs it: a separate process
// against a real master. With real headless Chromium workers it classifies the
// 200 dev images and writes 200 rows that agree with the master; killed
// half-way and run again, it creates no job twice; run through npm from another folder, the relative paths typed
// are from that folder.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { RESULT_COLUMNS } from '../../client/results-file.ts';
import { startFleet, type Fleet } from '../../headless-worker/fleet.ts';
import { createLogger } from '../../headless-worker/logger.ts';
import type { JobPage, JobView } from '../../master/api-types.ts';
import { until } from '../support/jobs-client.ts';
import { devImages, devImagesDir, projectRoot } from '../support/paths.ts';
import { startTestMaster, type TestMaster } from '../support/test-master.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'grid-submit-'));
const masters: TestMaster[] = [];
let fleet: Fleet | null = null;

afterAll(async () => {
  await fleet?.stop();
  for (const master of masters) await master.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The client with these arguments, run by `wrapper` (a command that ends by running the rest) if one is given. */
function runClient(args: string[], wrapper: string[] = []) {
  const [command, ...rest] = [...wrapper, process.execPath, '--import', 'tsx', 'client/submit.ts', ...args];
  const child = spawn(command!, rest, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  /** The owner key the master issued the run, as it printed it. */
  const ownerKey = () => /owner key .*: (\S+)$/m.exec(stderr)?.[1];
  return { child, exited, ownerKey };
}

async function allJobs(masterUrl: string): Promise<JobView[]> {
  const jobs: JobView[] = [];
  let cursor: string | null = '';
  while (cursor !== null) {
    const page = (await fetch(`${masterUrl}/api/jobs?limit=500${cursor ? `&cursor=${cursor}` : ''}`).then((r) => r.json())) as JobPage;
    jobs.push(...page.jobs);
    cursor = page.nextCursor;
  }
  return jobs;
}

/** A master of the test's own (no workers), and a dev image copied into `folder/within` (folders made). */
async function masterAndOneImage(folder: string, within = '') {
  const master = await startTestMaster();
  masters.push(master);
  fs.mkdirSync(path.join(folder, within), { recursive: true });
  const image = devImages(1)[0]!;
  fs.copyFileSync(image.path, path.join(folder, within, image.file));
  return { master, image };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const readRows = (file: string) => parse(fs.readFileSync(file), { columns: true }) as Record<string, string>[];

describe('npm run submit', () => {
  it('classifies the 200 dev images in the browsers and writes 200 rows that agree with the master', async () => {
    const master = await startTestMaster();
    masters.push(master);
    fleet = startFleet({ masterUrl: master.url, workers: 2, namePrefix: 'submit', logger: createLogger('error') });
    await fleet.waitUntilReady(90_000);

    const out = path.join(scratch, 'results.csv');
    const { code, stderr } = await runClient([devImagesDir, '--master', master.url, '--out', out, '--wait', '--concurrency', '8']).exited;
    expect(code, stderr).toBe(0);
    // labels.csv and the checksums sit beside the images: judged by their bytes, they are skipped.
    const others = fs.readdirSync(devImagesDir).filter((file) => !file.endsWith('.JPEG'));
    expect(others.length).toBeGreaterThan(0);
    expect(stderr).toContain(`skipping ${others.length} file(s) that are not images`);
    // Not a terminal: a line per file, naming it as the results file does.
    expect(stderr).toContain(`/${devImages().length} ${path.join(devImagesDir, devImages()[0]!.file)} `);

    const rows = readRows(out);
    expect(Object.keys(rows[0]!)).toEqual(RESULT_COLUMNS);
    expect(rows.map((row) => path.basename(row.path!)).sort()).toEqual(
      devImages()
        .map((image) => image.file)
        .sort(),
    );
    const onMaster = new Map((await allJobs(master.url)).map((job) => [job.id, job]));
    expect(onMaster.size).toBe(200);
    for (const row of rows) {
      const job = onMaster.get(row.jobId!);
      expect(job?.status, row.path).toBe('done');
      expect(row.status).toBe('done');
      expect(row.label1).toBe(job!.result!.predictions[0]!.label);
      expect(Number(row.probability1)).toBe(job!.result!.predictions[0]!.probability);
      expect(Number(row.index1)).toBe(job!.result!.predictions[0]!.index);
      expect(row.label5).not.toBe('');
    }
  });

  it('killed half-way and run again with the owner key it printed, creates no job twice and writes every file', async () => {
    const master = await startTestMaster();
    masters.push(master);
    const folder = path.join(scratch, 'some-images');
    fs.mkdirSync(path.join(folder, 'nested'), { recursive: true });
    const images = devImages(60);
    images.forEach((image, i) => fs.copyFileSync(image.path, path.join(folder, i % 2 ? 'nested' : '', image.file)));

    const out = path.join(scratch, 'resumed.csv');
    const first = runClient([folder, '--master', master.url, '--out', out, '--concurrency', '2']);
    await until(async () => (await allJobs(master.url)).length >= 20, 'the first run to create 20 jobs', 60_000);
    first.child.kill('SIGKILL');
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');
    const before = (await allJobs(master.url)).length;
    expect(before).toBeLessThan(60);
    // Idempotency-Keys are their owner's own: the second run goes on as the first run's owner.
    const ownerKey = first.ownerKey();
    expect(ownerKey).toMatch(/^anon-/);

    const second = await runClient([folder, '--master', master.url, '--out', out, '--concurrency', '4', '--key', ownerKey!]).exited;
    expect(second.code, second.stderr).toBe(0);
    const jobs = await allJobs(master.url);
    expect(jobs).toHaveLength(60);
    const rows = readRows(out);
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((row) => row.jobId))).toEqual(new Set(jobs.map((job) => job.id)));
  });

  it('run through npm from another folder, reads and writes the relative paths typed from that folder', async () => {
    const here = path.join(scratch, 'typed-in');
    const { master, image } = await masterAndOneImage(here, 'photos');
    // npm runs the script in the project folder, and says in INIT_CWD where it was typed.
    const child = spawn('npm', ['--prefix', projectRoot, 'run', '-s', 'submit', '--', 'photos', '--master', master.url, '--out', 'results.csv'], {
      cwd: here,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    expect(readRows(path.join(here, 'results.csv')).map((row) => row.path)).toEqual([path.join(here, 'photos', image.file)]);
  });

  it('reports a broken link and a link loop as files it could not read, and submits the rest', async () => {
    const folder = path.join(scratch, 'bad-entries');
    const { master, image } = await masterAndOneImage(folder);
    fs.symlinkSync(path.join(folder, 'nowhere.jpg'), path.join(folder, 'broken.jpg'));
    fs.symlinkSync(path.join(folder, 'loop.jpg'), path.join(folder, 'loop.jpg'));

    const out = path.join(scratch, 'bad-entries.csv');
    const { code, stderr } = await runClient([folder, '--master', master.url, '--out', out]).exited;
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('1 of 3 file(s) submitted');
    expect(stderr).toMatch(new RegExp(`2 failed:\\n  ${path.join(folder, 'broken.jpg')}: cannot read the file: ENOENT`));
    expect(stderr).toContain(`${path.join(folder, 'loop.jpg')}: cannot read the file: ELOOP`);
    expect(readRows(out).map((row) => [path.basename(row.path!), row.status])).toEqual([
      ['broken.jpg', 'upload-failed'],
      ['loop.jpg', 'upload-failed'],
      [image.file, 'queued'],
    ]);
  });

  it('prints a path with a newline in it escaped, so each file is one line of the progress and of the failures', async () => {
    const folder = path.join(scratch, 'odd-names');
    const { master, image } = await masterAndOneImage(folder);
    const odd = path.join(folder, 'new\nline.jpg');
    fs.renameSync(path.join(folder, image.file), odd);
    const broken = path.join(folder, 'bro\nken.jpg');
    fs.symlinkSync(path.join(folder, 'nowhere.jpg'), broken);

    const { code, stderr } = await runClient([folder, '--master', master.url]).exited;
    // The broken link fails, and is listed.
    expect(code, stderr).toBe(1);
    // JSON-quoted: what JSON.parse reads back as the path.
    expect(stderr).toMatch(new RegExp(`^[12]/2 ${escapeRegExp(JSON.stringify(broken))} - upload-failed `, 'm'));
    expect(stderr).toContain(
      `1 failed:\n  ${JSON.stringify(broken)}: cannot read the file: ENOENT: no such file or directory, stat '${JSON.stringify(broken).slice(1, -1)}'\n`,
    );
    // The master takes no line break in a file name (400 bad-file-name): the name sent has a space for it, the path printed is the real one.
    expect(stderr).toMatch(new RegExp(`^[12]/2 ${escapeRegExp(JSON.stringify(odd))} \\S+ queued$`, 'm'));
    expect((await allJobs(master.url)).map((job) => job.fileName)).toEqual(['new line.jpg']);
    expect(stderr.split('\n').filter((line) => /^(line|ken)\.jpg/.test(line))).toEqual([]);
  });

  it('skips a FIFO found in the walk as not an image, and says so, instead of passing over it in silence', async () => {
    const folder = path.join(scratch, 'with-a-fifo');
    const { master } = await masterAndOneImage(folder);
    execFileSync('mkfifo', [path.join(folder, 'pipe.jpg')]);
    const { code, stderr } = await runClient([folder, '--master', master.url]).exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`skipping 1 file(s) that are not images this service reads, e.g. ${path.join(folder, 'pipe.jpg')}`);
    expect(stderr).toContain('1 of 1 file(s) submitted');
  });

  it('submits a file reached through a linked folder once, under one key however it is reached', async () => {
    const folder = path.join(scratch, 'linked');
    const { master } = await masterAndOneImage(folder, 'real');
    fs.symlinkSync(path.join(folder, 'real'), path.join(folder, 'alias'));
    fs.symlinkSync(folder, path.join(folder, 'real', 'up')); // a link to a folder above: walked once, not forever

    const first = runClient([folder, '--master', master.url, '--out', path.join(scratch, 'linked.csv')]);
    const { code, stderr } = await first.exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('1 of 1 file(s) submitted');
    // Named through the link alone, the same file is the same upload: the master answers the job it has.
    const again = await runClient([path.join(folder, 'alias'), '--master', master.url, '--key', first.ownerKey()!]).exited;
    expect(again.code, again.stderr).toBe(0);
    expect(await allJobs(master.url)).toHaveLength(1);
  });

  it('interrupted (SIGINT), leaves the results file of the run before untouched and no partial file', async () => {
    // No workers: with --wait the run waits until it is interrupted.
    const folder = path.join(scratch, 'interrupted');
    const { master, image } = await masterAndOneImage(folder);
    const outDir = path.join(scratch, 'interrupted-out');
    fs.mkdirSync(outDir);
    const out = path.join(outDir, 'results.csv');
    const complete = `${RESULT_COLUMNS.join(',')}\n${path.join(folder, image.file)},job-of-the-first-run,done,,tabby,0.9,,,,,,,,,281,,,,,trusted\n`;
    fs.writeFileSync(out, complete);

    const run = runClient([folder, '--master', master.url, '--out', out, '--wait']);
    await until(async () => (await allJobs(master.url)).length === 1, 'the run to create its job', 30_000);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toContain(`interrupted (SIGINT); ${out} left as it was`);
    expect(fs.readFileSync(out, 'utf8')).toBe(complete);
    expect(fs.readdirSync(outDir)).toEqual(['results.csv']);
  });

  it('stops before uploading anything when the results file cannot be written, and says why in one line', async () => {
    const folder = path.join(scratch, 'unwritable-out');
    const { master } = await masterAndOneImage(folder);
    const aFolder = path.join(scratch, 'a-folder.csv');
    fs.mkdirSync(aFolder);
    for (const [out, why] of [
      [path.join(scratch, 'no-such-folder', 'results.csv'), 'ENOENT'],
      [aFolder, 'a folder'],
    ] as const) {
      const { code, stderr } = await runClient([folder, '--master', master.url, '--out', out]).exited;
      expect(code, stderr).toBe(1);
      expect(stderr).toContain(`cannot write the results file ${out}: `);
      expect(stderr).toContain(why);
      expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
    }
    expect(await allJobs(master.url)).toHaveLength(0);
    // Only this test's partial files: a run killed outright in another test leaves its own, as the README says.
    expect(fs.readdirSync(scratch).filter((name) => name.startsWith('.a-folder.csv.'))).toEqual([]);
  });

  it('a results file that cannot be written mid-run (a full disk) ends the run in one line, exit 1, the results file of the run before whole', async () => {
    const folder = path.join(scratch, 'disk-full');
    const { master } = await masterAndOneImage(folder);
    const outDir = path.join(scratch, 'disk-full-out');
    fs.mkdirSync(outDir);
    const out = path.join(outDir, 'results.csv');
    const before = `${RESULT_COLUMNS.join(',')}\n/photos/a.jpg,job-of-the-run-before,queued,,,,,,,,,,,,,,,,,\n`;
    fs.writeFileSync(out, before);
    // The run's partial file (named after its pid, which exec keeps) is the full device: it opens, and every write fails, ENOSPC.
    const fullDisk = ['sh', '-c', 'ln -s /dev/full "$0/.results.csv.$$.partial" && exec "$@"', outDir];
    const { code, stderr } = await runClient([folder, '--master', master.url, '--out', out], fullDisk).exited;
    expect(code, stderr).toBe(1);
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(`cannot write the results file ${out}: ENOSPC: no space left on device, write; ${out} left as it was`);
    expect(stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(fs.readFileSync(out, 'utf8')).toBe(before);
    expect(fs.readdirSync(outDir)).toEqual(['results.csv']);
  });

  it('finding no images, stops in one line and leaves no partial results file beside --out', async () => {
    const empty = path.join(scratch, 'nothing-here');
    fs.mkdirSync(empty);
    const { code, stderr } = await runClient([empty, '--master', 'http://127.0.0.1:9', '--out', path.join(empty, 'results.csv')]).exited;
    expect(code).toBe(1);
    expect(stderr).toContain('no images found under the given paths');
    expect(fs.readdirSync(empty)).toEqual([]);
  });

  it('refuses a millisecond option past what a Node timer can wait (2^31 − 1), naming the flag', async () => {
    const empty = path.join(scratch, 'no-images');
    fs.mkdirSync(empty);
    for (const flag of ['--poll-ms', '--give-up-after-ms', '--read-give-up-after-ms']) {
      const { code, stderr } = await runClient([empty, flag, String(2 ** 31), '--master', 'http://127.0.0.1:9']).exited;
      expect(code).toBe(1);
      expect(stderr).toContain(`option '${flag} <n>' argument '${2 ** 31}' is invalid. expected at most ${2 ** 31 - 1} ms (MAX_CLIENT_MS)`);
    }
  });

  it('exits non-zero and names the files that failed', async () => {
    const master = await startTestMaster({ maxUploadBytes: 100_000 });
    masters.push(master);
    const folder = path.join(scratch, 'too-big');
    fs.mkdirSync(folder);
    const [small, big] = [
      devImages().find((image) => fs.statSync(image.path).size < 100_000)!,
      devImages().find((image) => fs.statSync(image.path).size > 100_000)!,
    ];
    for (const image of [small, big]) fs.copyFileSync(image.path, path.join(folder, image.file));

    const out = path.join(scratch, 'partial.jsonl');
    const { code, stderr } = await runClient([folder, '--master', master.url, '--out', out]).exited;
    expect(code).toBe(1);
    expect(stderr).toContain(
      `1 failed:\n  ${path.join(folder, big.file)}: too large: ${fs.statSync(big.path).size} bytes, more than the master's MAX_UPLOAD_BYTES (100000); not sent`,
    );
    const lines = fs
      .readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { path: string; status: string });
    expect(lines.map((line) => [path.basename(line.path), line.status]).sort()).toEqual(
      [
        [big.file, 'upload-failed'],
        [small.file, 'queued'],
      ].sort(),
    );
  });

  it('refuses a file whose upload request is past MAX_UPLOAD_REQUEST_BYTES without sending or retrying it, and says so', async () => {
    const master = await startTestMaster({ maxUploadBytes: 100_000, maxUploadRequestBytes: 100_000 });
    masters.push(master);
    const folder = path.join(scratch, 'too-big-a-request');
    fs.mkdirSync(folder);
    const small = devImages().find((image) => fs.statSync(image.path).size < 50_000)!;
    fs.copyFileSync(small.path, path.join(folder, small.file));
    // Within MAX_UPLOAD_BYTES, but not with the multipart encoding around it: the master answers 413 and hangs up mid-body.
    const padded = Buffer.alloc(99_950);
    fs.readFileSync(small.path).copy(padded);
    fs.writeFileSync(path.join(folder, 'padded.jpg'), padded);

    const started = Date.now();
    const { code, stderr } = await runClient([folder, '--master', master.url, '--give-up-after-ms', '20000']).exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /1 failed:\n {2}\S+padded\.jpg: too large: its upload request is \d+ bytes, more than the master's MAX_UPLOAD_REQUEST_BYTES \(100000\); not sent\n/,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await allJobs(master.url)).toHaveLength(1);
  }, 60_000);
});
