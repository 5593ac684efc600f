// What npm run bench:scale says to its child processes over Node's IPC channel,
// and what they answer: the masters (scale-master.ts) and the processes that
// hold the synthetic worker sockets (scale-clients.ts). A request carries an
// `id` its reply repeats; reports come unasked.

/** A clock every process on the machine reads alike, to the microsecond: the epoch in ms, from each process's high-resolution timer. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

// ---- the bench and a master ----------------------------------------------------------------

/** Config overrides for the master (master/config.ts keys), as JSON on its command line. */
export type ScaleMasterSettings = Record<string, unknown>;

export type ToMaster =
  /** Submits `count` jobs through the lifecycle, `batch` at a time, one after another (a capacity run). */
  | { type: 'submit-bulk'; id: number; count: number; batch: number }
  /** Submits one job per sequence number, each its own create, all at once (an open-loop run); acknowledged in reports. */
  | { type: 'submit'; seqs: number[] }
  /** Collects garbage, then answers memory, CPU time and what the master holds. */
  | { type: 'measure'; id: number }
  | { type: 'close'; id: number };

/** A job transition this master applied, when (epochNow), as [transition, job id, time]. */
export type TransitionRecord = [transition: 'completed' | 'expired' | 'recovered' | 'lost', jobId: string, at: number];

export interface MasterMeasure {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** process.cpuUsage(), µs. */
  cpuUser: number;
  cpuSystem: number;
  /** Worker sessions (welcomed sockets) connected here. */
  sessions: number;
  /** Sockets the hub cut for missing two heartbeats. */
  heartbeatTimeouts: number;
  /** Transitions applied here, by name. */
  transitions: Record<string, number>;
}

export type FromMaster =
  | { type: 'ready'; url: string; modelHash: string }
  | { type: 'submitted-bulk'; id: number; jobIds: string[]; errors: string[] }
  /** Unasked, every few ms: transitions applied here, and open-loop submissions acknowledged (201) or refused. */
  | { type: 'report'; transitions: TransitionRecord[]; acks: [seq: number, jobId: string][]; refusals: [seq: number, error: string][] }
  | { type: 'measured'; id: number; measure: MasterMeasure }
  | { type: 'closed'; id: number };

// ---- the bench and a client process ----------------------------------------------------------

export interface SocketTarget {
  /** Index of the master (its workers are named m<master>-w<n>). */
  master: number;
  url: string;
  modelHash: string;
  count: number;
}

export type ToClients =
  | { type: 'connect'; id: number; targets: SocketTarget[]; credit: number; fleetToken: string; concurrency: number }
  /** From now on every worker answers each job after `workMs` (0: at once), as if it took that long to classify it. */
  | { type: 'work'; id: number; workMs: number }
  | { type: 'counts'; id: number }
  | { type: 'close'; id: number };

export interface ClientCounts {
  /** Per worker, in the order connected: its master's index (-1: it never connected), and the jobs it was given and answered so far. */
  masterOf: number[];
  received: number[];
  answered: number[];
  /** Sockets open now. */
  open: number;
  /** Sockets closed so far, by master: when (epochNow), the close code, and the jobs the worker held unanswered. */
  closes: { master: number; at: number; code: number; held: number }[];
}

export type FromClients =
  | { type: 'connected'; id: number; connected: number; failed: string[] }
  | { type: 'worked'; id: number }
  | { type: 'counted'; id: number; counts: ClientCounts }
  | { type: 'closed'; id: number };
