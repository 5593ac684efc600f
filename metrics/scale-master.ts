// One master of npm run bench:scale, in a process of its own so that its RSS and
// CPU time are its own, and so that it can be killed with -9. The bench starts
// it with `node --expose-gc --import tsx`, passes its config as JSON on the
// command line and talks to it over IPC (scale-messages.ts): submissions go
// through the lifecycle's submit, as in bench:dispatch, and every completed,
// expired or lost job is reported with its time.
import { makeConfig } from '../master/config.ts';
import { startMaster } from '../master/server.ts';
import { epochNow, type FromMaster, type ScaleMasterSettings, type ToMaster, type TransitionRecord } from './scale-messages.ts';
import { newJob } from './uploaded-files.ts';

// A 1×1 PNG: dispatch cost, not image transfer, is what this measures.
const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
/**
 * Every submission brings the same upload file, written once before any is timed. The bench's stores are Redis,
 * which reads an upload's file and leaves it (the upload middleware deletes it after the request): writing a file
 * per job would put multer's work (20-400 µs a fresh file on this machine's disk) on the master's event loop,
 * inside the timed runs, as bench:dispatch no longer does either.
 */
const upload = newJob('tiny.png', 'image/png', TINY_PNG);
const job = () => upload;
const REPORT_EVERY_MS = 20;

const send = (message: FromMaster) => process.send!(message);
const settings = JSON.parse(process.argv[2] ?? '{}') as ScaleMasterSettings;
const master = await startMaster(makeConfig(settings));

const transitions: TransitionRecord[] = [];
let acks: [number, string][] = [];
let refusals: [number, string][] = [];
master.events.subscribeLocal((event) => {
  if (event.type !== 'job') return;
  if (event.transition === 'completed' || event.transition === 'expired' || event.transition === 'recovered' || event.transition === 'lost')
    transitions.push([event.transition, event.job.id, epochNow()]);
});
setInterval(() => {
  if (transitions.length === 0 && acks.length === 0 && refusals.length === 0) return;
  send({ type: 'report', transitions: transitions.splice(0), acks, refusals });
  acks = [];
  refusals = [];
}, REPORT_EVERY_MS);

const describe = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

process.on('message', (message: ToMaster) => {
  switch (message.type) {
    case 'submit-bulk':
      return void submitBulk(message.id, message.count, message.batch);
    case 'submit':
      // Open loop: each submission is its own create, none waits for another.
      for (const seq of message.seqs) {
        master.lifecycle.submit([job()]).then(
          (created) => acks.push([seq, created.jobs[0]!.id]),
          (error: unknown) => refusals.push([seq, describe(error)]),
        );
      }
      return;
    case 'measure':
      return send({ type: 'measured', id: message.id, measure: measure() });
    case 'close':
      return void master.close().then(() => {
        send({ type: 'closed', id: message.id });
        process.exit(0);
      });
  }
});

async function submitBulk(id: number, count: number, batch: number): Promise<void> {
  const jobIds: string[] = [];
  const errors: string[] = [];
  for (let sent = 0; sent < count; sent += batch) {
    try {
      const created = await master.lifecycle.submit(Array.from({ length: Math.min(batch, count - sent) }, job));
      jobIds.push(...created.jobs.map((made) => made.id));
    } catch (error) {
      errors.push(describe(error));
    }
  }
  send({ type: 'submitted-bulk', id, jobIds, errors });
}

/** After two full collections, so the figure is what the sockets hold rather than garbage not yet collected. */
function measure() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    cpuUser: cpu.user,
    cpuSystem: cpu.system,
    sessions: master.workers.size,
    heartbeatTimeouts: master.hub.counters.heartbeatTimeouts,
    transitions: { ...master.lifecycle.counters.transitions },
  };
}

const model = (await fetch(`${master.url}/api/model`).then((r) => r.json())) as { hash: string };
send({ type: 'ready', url: master.url, modelHash: model.hash });
// The bench gone (its IPC channel closed) means this master is no longer wanted.
process.on('disconnect', () => void master.close().finally(() => process.exit(0)));
