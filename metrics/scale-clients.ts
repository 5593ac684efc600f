// Holds a share of npm run bench:scale's synthetic worker sockets in a process
// of its own (one Node process with ten thousand sockets would be the
// bottleneck, and would need a higher open-file limit). Each worker speaks the
// real protocol (synthetic-worker.ts), is the operator's fleet (fleet token,
// trusted: one answer finishes a job) and answers every job, at once or after
// a pretend classification time. The bench drives it over IPC (scale-messages.ts).
import { epochNow, type ClientCounts, type FromClients, type SocketTarget, type ToClients } from './scale-messages.ts';
import { SyntheticWorker } from './synthetic-worker.ts';

const send = (message: FromClients) => process.send!(message);

const workers: SyntheticWorker[] = [];
const masterOf: number[] = [];
const received: number[] = [];
const answered: number[] = [];
const held: number[] = [];
const closes: ClientCounts['closes'] = [];
let open = 0;
let workMs = 0;

process.on('message', (message: ToClients) => {
  switch (message.type) {
    case 'connect':
      return void connectAll(message.targets, message.credit, message.fleetToken, message.concurrency).then(({ connected, failed }) =>
        send({ type: 'connected', id: message.id, connected, failed }),
      );
    case 'work':
      workMs = message.workMs;
      return send({ type: 'worked', id: message.id });
    case 'counts':
      return send({
        type: 'counted',
        id: message.id,
        counts: { masterOf, received, answered, open, closes },
      });
    case 'close':
      for (const worker of workers) worker.terminate();
      send({ type: 'closed', id: message.id });
      return process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));

/** Connects every target's sockets, at most `concurrency` handshakes at a time; answers how many are connected and why others failed. */
async function connectAll(targets: SocketTarget[], credit: number, fleetToken: string, concurrency: number) {
  // Interleaved over the masters, so each master's sockets arrive at the same pace.
  const plan: SocketTarget[] = [];
  const left = targets.map((target) => target.count);
  while (left.some((n) => n > 0)) for (const [i, target] of targets.entries()) if (left[i]! > 0 && left[i]!-- > 0) plan.push(target);
  const failed: string[] = [];
  let connected = 0;
  let next = 0;
  const lane = async () => {
    while (next < plan.length) {
      const target = plan[next++]!;
      try {
        await connectOne(target, credit, fleetToken);
        connected += 1;
      } catch (error) {
        failed.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { connected, failed };
}

/** Its slot in the counts is taken before it connects: a job may arrive in the same read as the welcome. A worker that never connected keeps master -1. */
async function connectOne(target: SocketTarget, credit: number, fleetToken: string): Promise<void> {
  const slot = masterOf.length;
  masterOf.push(-1);
  received.push(0);
  answered.push(0);
  held.push(0);
  const worker = await SyntheticWorker.connect({
    masterUrl: target.url,
    modelHash: target.modelHash,
    name: `m${target.master}-w${slot}`,
    credit,
    hello: { fleetToken },
    record: false,
    onJob: (job, w) => {
      received[slot]! += 1;
      held[slot]! += 1;
      const answer = () => {
        held[slot]! -= 1;
        answered[slot]! += 1;
        w.succeed(job.header);
      };
      if (workMs === 0) answer();
      else setTimeout(answer, workMs);
    },
  });
  masterOf[slot] = target.master;
  workers.push(worker);
  open += 1;
  void worker.closed.then((code) => {
    open -= 1;
    closes.push({ master: target.master, at: epochNow(), code, held: held[slot]! });
  });
}
