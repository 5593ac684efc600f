// npm run bench:hostile — the master, with its default limits, under the attacks of issue 10.
//
// A real master runs as a child process; each attack runs for a bounded time from
// 127.0.0.1 while, from other loopback addresses (so per-address caps on the
// attacker do not reach them), a probe polls GET /livez, a client submits one real
// image every 500 ms and one trusted synthetic worker answers every job. Per
// attack: the master's peak RSS growth, the probe's latency, the legitimate jobs
// and what the attacker was answered.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { distribution } from '../common/percentiles.ts';
import { Answers, attacks, closeAll, type Attack, type AttackContext } from './hostile-attacks.ts';
import { get, hasExited, rssBytes, settle, startMaster, submitImage, type ChildMaster } from './hostile-master.ts';
import { nameList, positiveNumber } from './option-parsers.ts';
import { ProbeWindow } from './probe-window.ts';
import { SyntheticWorker } from './synthetic-worker.ts';

const PROBE = '127.0.0.2';
const CLIENT = '127.0.0.3';
const WORKER = '127.0.0.4';
const FLEET_TOKEN = 'bench-hostile-fleet-token';
const DATASET = path.resolve(import.meta.dirname, '../../shared/datasets/imagenet-dev');
const GOALS = { rssGrowthMb: 100, healthP99Ms: 100 };

const program = new Command('bench:hostile')
  .option('--seconds <n>', 'length of each attack', positiveNumber, 15)
  .option('--only <names>', 'comma-separated attacks to run (default: all)', nameList(attacks.map((a) => a.name)))
  .parse();
const opts = program.opts<{ seconds: number; only?: string[] }>();
const attackMs = opts.seconds * 1000;

// ---- what runs beside every attack --------------------------------------------

interface Row {
  name: string;
  rssBeforeMb: number;
  rssGrowthMb: number;
  healthP99Ms: number;
  healthMaxMs: number;
  healthFailed: number;
  submitted: number;
  refused: number;
  finished: number;
  answers: string;
  logMb: number;
  /** The attack killed the master: its later figures are those of a dead process. */
  masterDied: boolean;
}

/** The /livez probe, a separate process (metrics/hostile-probe.ts); its lines go to whoever listens. */
const probe: { child?: ChildProcess; listen?: (line: string) => void } = {};
/** How long probes still in flight when an attack ends are waited for: past the probe's own 2 s timeout. */
const PROBE_WAIT_MS = 3000;

function startProbe(port: number): void {
  probe.child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'hostile-probe.ts'), String(port), PROBE, '50'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  readline.createInterface({ input: probe.child.stdout! }).on('line', (line) => {
    probe.listen?.(line);
  });
}

async function runAttack(attack: Attack, master: ChildMaster, modelHash: string, images: string[]): Promise<Row> {
  const pid = master.child.pid!;
  const port = Number(new URL(master.url).port);
  const rssBefore = rssBytes(pid) ?? 0;
  const logBefore = fs.statSync(logFile).size;
  let rssPeak = rssBefore;
  const started = performance.now();
  const running = () => performance.now() - started < attackMs;

  const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(pid) ?? 0)), 100);
  const probes = new ProbeWindow();
  probe.listen = (line) => probes.line(line);
  const submissions: Promise<string | null>[] = [];
  let next = 0;
  const submitTimer = setInterval(() => {
    const file = images[next++ % images.length]!;
    submissions.push(submitImage(port, CLIENT, fs.readFileSync(path.join(DATASET, file)), file));
  }, 500);

  const answers = new Answers();
  const msLeft = () => Math.max(0, attackMs - (performance.now() - started));
  const ctx: AttackContext = { url: master.url, host: '127.0.0.1', port, modelHash, answers, running, msLeft };
  // An attack that kills the master may fail on the way: that is the finding, reported below, not a crash.
  await attack.run(ctx).catch((error: unknown) => {
    if (!hasExited(master)) throw error;
  });
  while (running()) await sleep(50);
  clearInterval(submitTimer);
  clearInterval(rssTimer);
  closeAll();
  // Probes sent during the attack are its, answered after it or not: a stall at its end must show.
  probes.close();
  const probeDeadline = performance.now() + PROBE_WAIT_MS;
  while (probes.pending && performance.now() < probeDeadline) await sleep(50);
  probes.giveUp();
  probe.listen = undefined;
  const ids = await Promise.all(submissions);
  const created = ids.filter((id): id is string => id !== null);

  // Jobs submitted during the attack get 10 s more to finish.
  const pending = new Set(created);
  const deadline = hasExited(master) ? 0 : performance.now() + 10_000;
  while (pending.size && performance.now() < deadline) {
    for (const id of [...pending]) {
      const { status, body } = await get(port, CLIENT, `/api/jobs/${id}`);
      if (status === 200 && (JSON.parse(body) as { status: string }).status === 'done') pending.delete(id);
    }
    if (pending.size) await sleep(250);
  }
  const health = distribution(probes.latencies);
  const logMb = (fs.statSync(logFile).size - logBefore) / 2 ** 20;
  return {
    name: attack.name,
    rssBeforeMb: rssBefore / 2 ** 20,
    rssGrowthMb: (rssPeak - rssBefore) / 2 ** 20,
    healthP99Ms: health.p99,
    healthMaxMs: health.max,
    healthFailed: probes.failed,
    submitted: ids.length,
    refused: ids.length - created.length,
    finished: created.length - pending.size,
    answers: answers.toString(),
    logMb,
    masterDied: hasExited(master),
  };
}

function verdict(row: Row): string {
  const broken = [
    row.masterDied && 'master died',
    row.rssGrowthMb > GOALS.rssGrowthMb && 'RSS',
    (row.healthP99Ms > GOALS.healthP99Ms || row.healthFailed > 0) && 'health',
    (row.refused > 0 || row.finished < row.submitted) && 'jobs',
  ].filter(Boolean);
  return broken.length ? `FAIL (${broken.join(', ')})` : 'pass';
}

// ---- main --------------------------------------------------------------------

const chosen = opts.only ? attacks.filter((a) => opts.only!.includes(a.name)) : attacks;
console.log(`hostile benchmark: npm run bench:hostile -- ${process.argv.slice(2).join(' ') || '(defaults)'}`);
console.log(`${os.cpus().length} cores, node ${process.version}; master with default limits (a child process), ${opts.seconds} s per attack`);
console.log(`goals: RSS growth ≤ ${GOALS.rssGrowthMb} MB, GET /livez p99 ≤ ${GOALS.healthP99Ms} ms (every probe answered), every legitimate job finished\n`);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hostile-'));
const logFile = path.join(dataDir, 'master.log');
let master: ChildMaster | undefined;
let worker: SyntheticWorker | undefined;
let stopping = false;
function shutdown(): void {
  stopping = true;
  closeAll();
  worker?.terminate();
  probe.child?.kill('SIGKILL');
  master?.child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: master and probe stopped`);
    shutdown();
    process.exit(130);
  });
}

const rows: Row[] = [];
try {
  master = await startMaster(dataDir, logFile, FLEET_TOKEN);
  const port = Number(new URL(master.url).port);
  const model = JSON.parse((await get(port, CLIENT, '/api/model')).body) as { hash: string };
  worker = await SyntheticWorker.connect({
    masterUrl: master.url,
    name: 'legitimate',
    localAddress: WORKER,
    hello: { fleetToken: FLEET_TOKEN },
    onJob: (job, w) => w.succeed(job.header),
  });
  void worker.closed.then((code) => stopping || console.log(`  (the legitimate worker was disconnected: ${code}; later jobs cannot finish)`));
  startProbe(port);
  await sleep(1000); // the probe process starting up
  const images = fs
    .readdirSync(DATASET)
    .filter((f) => /\.jpe?g$/i.test(f))
    .slice(0, 20);
  console.log(
    'attack | RSS before MB | peak growth MB | /livez p99 ms | max ms | probes failed | jobs submitted | refused | finished | master log MB | attacker answered | verdict',
  );
  for (const attack of chosen) {
    const row = await runAttack(attack, master, model.hash, images);
    rows.push(row);
    console.log(
      `${row.name} | ${row.rssBeforeMb.toFixed(0)} | ${row.rssGrowthMb.toFixed(1)} | ${row.healthP99Ms.toFixed(1)} | ${row.healthMaxMs.toFixed(1)} | ${row.healthFailed} | ${row.submitted} | ${row.refused} | ${row.finished} | ${row.logMb.toFixed(1)} | ${row.answers} | ${verdict(row)}`,
    );
    if (row.masterDied) {
      console.log(`  (the master died during ${row.name}: the attacks after it were not run)`);
      break;
    }
    await settle(port, CLIENT);
  }
} finally {
  shutdown();
}
const failed = rows.filter((row) => verdict(row) !== 'pass');
console.log(
  `\nsummary: ${rows.length - failed.length}/${rows.length} attacks met every goal${failed.length ? `; failed: ${failed.map((r) => `${r.name} ${verdict(r)}`).join(', ')}` : ''}`,
);
console.log('attacks:');
const ran = new Set(rows.map((row) => row.name));
for (const attack of chosen) console.log(`  ${attack.name}: ${attack.what}${ran.has(attack.name) ? '' : ' (not run: the master had died)'}`);
// A goal missed is a finding; a master that died leaves the run incomplete, which a script running the bench must see.
if (rows.some((row) => row.masterDied)) process.exitCode = 1;
