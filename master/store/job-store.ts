// The job store: every transition of a job's life is one named, atomic
// operation here, so the rules (fencing, attempt limits) live in one place.
// Only the lifecycle (master/lifecycle/job-lifecycle.ts) calls the transitions.
//
//   queued ──lease──▶ leased ──complete──▶ done
//      ▲                 │ ──fail(final)──▶ failed ──retry──▶ queued
//      └─release/expire──┘   (attempt limit reached → failed)
//      └──────vote───────┘   (a volunteer's answer, kept while another replica is asked for)
//   done / failed ──expireImages──▶ the same, without its image ──expireJobs──▶ removed (retention)
import type { JobDetailView, JobPage, JobResult, JobStatus, JobView } from '../api-types.ts';
import type { UploadedFile } from '../images/image-store.ts';
import type { PreparedImage } from '../images/prepared-image.ts';
import type { WorkerClass } from '../protocol.ts';

export interface NewJob {
  fileName: string;
  contentType: string;
  /** The uploaded file; the store takes it (moves or copies it where its images live, master/images/). */
  image: UploadedFile;
  /**
   * What workers receive instead of the original (master/images/prepared-image.ts), kept beside it. Absent, workers
   * receive the original, as they do for jobs stored before images were prepared.
   */
  prepared?: PreparedImage;
  /** Only trusted workers may take it (a private submission). */
  trustedOnly?: boolean;
}

export interface WorkerRef {
  /** The socket's id: leases are fenced to it. */
  id: string;
  name: string;
  backend: string;
  /** The master-issued identity behind the socket: attempt limits and votes count these, not sockets. */
  identity: string;
  workerClass: WorkerClass;
  /**
   * The network the socket came from, as an opaque tag (WorkerIdentities.admit): volunteers' attempts count once per
   * network as well as per identity. Absent (a worker made in a test), its identity counts as its own network.
   */
  network?: string;
}

/** A job handed to a worker: the fencing token (leaseId) must come back with the answer. */
export interface Lease {
  jobId: string;
  leaseId: string;
  /** 1 on a job's first lease since it was submitted or retried, when it can hold no votes yet. */
  attempt: number;
  deadline: number;
  /** What the worker receives: the prepared image, or the original for a job that has none. */
  contentType: string;
  image: Uint8Array;
  /** The job as it is now leased, for live boards. */
  job: JobView;
}

/**
 * A lease written for a job whose image is gone (removed from the data directory or from Redis by hand, lost to a
 * damaged disk): there is nothing to hand its worker. The lifecycle fails the job (failForGood) instead.
 */
export type LeaseWithoutImage = Omit<Lease, 'image'> & { image: null };

/** What lease hands back for a worker it found a job for. */
export type Leased = Lease | LeaseWithoutImage;

/**
 * Told the jobs a volunteer's lease (or openTo) passed over holding limits.maxAnswersPerJob answers and made
 * trusted-only as it did, as the marking left them (queued, even one a trusted worker later in the same lease took),
 * once they are written: none when it marked none (never called then), so a lease pays nothing for it; the lifecycle
 * announces them ('answers-capped'), before the leases.
 */
export type CappedJobs = (jobs: JobView[]) => void;

/** Why retry left a job as it was: not there, not failed, or its image expired or is gone. */
export type RetryRefusal = 'not-found' | 'not-failed' | 'image-expired' | 'image-missing';

/** What retry did: the job queued again, or why it was not. */
export type Retried = { job: JobView } | { refused: RetryRefusal };

/** A volunteer's answer kept as a vote on a job (an attempt that ended 'answered'). */
export interface Vote {
  identity: string;
  /** The network tag of the socket that gave it (WorkerRef.network); null when it had none or was stored before networks. */
  network: string | null;
  /** The lease it answered: names this vote, as no other ever will (a vote kept after a retry has a lease of its own). */
  leaseId: string;
  answer: JobResult;
}

export interface LeaseRef {
  jobId: string;
  leaseId: string;
}

export type RejectReason = 'unknown-job' | 'stale-lease' | 'not-your-lease';

/** The outcome of a fenced transition: either it applied, or nothing was written. */
export type Transition = { applied: true; job: JobView } | { applied: false; reason: RejectReason };

export interface CreateResult {
  jobs: JobView[];
  /** true when the Idempotency-Key was seen before and these are the jobs it created then. */
  replayed: boolean;
}

export interface Limits {
  /** Attempts that may end in failure or lease expiry before the job fails for good. */
  maxAttempts: number;
  /** Leases ended without an answer (lost workers included, recovered ones not) before the job fails: bounds crash loops. */
  maxLeases: number;
  /** Distinct volunteer identities that must say a job cannot be processed before it fails (a trusted worker's word is enough). */
  failureQuorum: number;
  /** Queued + leased jobs the store admits; a create that would pass it throws QueueFullError and stores nothing. */
  maxPendingJobs: number;
  /** How long an Idempotency-Key is remembered after its first use; a later use creates anew. */
  idempotencyTtlMs: number;
  /**
   * Queued jobs one lease reads at most for one worker: those its identity answered or refused wait at the head of
   * the queue for other identities and are skipped, and past this many the worker gets nothing this time, so a
   * volunteer that answered a long queue alone costs each lease this much, not the queue's length.
   */
  leaseScanLimit: number;
  /**
   * Votes one network (WorkerRef.network) may hold on a job (MAX_VOTERS_PER_NETWORK): a volunteer from a network that
   * holds this many is not leased the job, so identities minted on one address neither vote twice nor use up its replicas.
   */
  maxVotersPerNetwork: number;
  /**
   * Volunteer answers (votes) one job may hold, those of identities blacklisted since included (MAX_ANSWERS_PER_JOB):
   * a vote or a reopening that leaves the job holding this many makes it trusted-only, whatever the caller asked, and
   * no volunteer is leased a job holding this many.
   */
  maxAnswersPerJob: number;
  /** The latest attempts a failed job's error lists, each with its reason; the earlier ones it only counts. */
  errorAttemptsShown: number;
  /** Jobs one step of a backtracking walk (reopenAnsweredBy) reads at most (RETENTION_BATCH): the store is never held long. */
  reopenBatch: number;
}

export interface ListQuery {
  status?: JobStatus;
  /** Only this owner's jobs (a private board); read in O(page), as every list is. */
  owner?: string;
  limit: number;
  cursor?: string;
}

export type StatusCounts = Record<JobStatus, number>;

/** What clear deleted: every job's id, and the leases to cancel. */
export interface Cleared {
  ids: string[];
  leases: LeaseRef[];
}

/**
 * A lease past its deadline (expiredLeases). `abandoned`: another master made it and has not ended it though past
 * the grace, so that master stopped reaping (it died, stalled, or its clock is far behind): no fault of the worker.
 */
export interface DueLease extends LeaseRef {
  abandoned: boolean;
}

/** What a backtracking walk (reopenAnsweredBy) writes on the jobs it changes, and whether the fleet can take them. */
export interface Backtracking {
  /** A reopened job's error while it waits: why it is verified again. */
  reason: string;
  /**
   * The walk's clock, read by each step as it commits (each SQLite transaction, each Redis script): a reopened job went
   * back into the queue then. One instant for the whole walk would not do: the walk commits in steps, and a job another
   * volunteer leased and finished meanwhile would go back into the queue before that lease began.
   */
  now: () => number;
  /** The verification reason of a job left done and unverified because its image has expired. */
  imageExpiredReason: string;
  /**
   * The verification reason of a job left done and unverified because, reopened, it would hold limits.maxAnswersPerJob
   * answers (no volunteer may answer it again) while no trusted worker is connected.
   */
  answersFullReason: string;
  /**
   * Whether a trusted worker is connected (WorkerRegistry.hasTrusted), as the verifier is told at each answer: a job
   * that would hold limits.maxAnswersPerJob answers is then reopened for trusted workers only, else left unverified.
   */
  trustedWorkerConnected: boolean;
}

/** What a step of backtracking changed (reopenAnsweredBy). */
export interface Reopened {
  /** Done jobs put back in the queue to be verified again. */
  reopened: JobView[];
  /**
   * Done jobs that could not be verified again: their image had expired, or they held limits.maxAnswersPerJob answers
   * with no trusted worker connected. Left done, their result marked unverified with the reason.
   */
  unverified: JobView[];
}

export interface JobStore {
  /**
   * Stores jobs and images durably, the images before the jobs are committed; with an idempotency key, at most once
   * per key. Throws QueueFullError, storing nothing, when the queued and leased jobs would pass
   * limits.maxPendingJobs, and IdempotencyKeyReusedError, storing nothing, when the key was first used with other
   * images (requestDigest). A refused create or a replay leaves no image of this request behind.
   * The jobs belong to `owner` (an owner id, never a key), and the idempotency key is the owner's own: another
   * owner's use of the same key is another key (idempotencyScope).
   */
  create(jobs: NewJob[], now: number, idempotencyKey?: string, owner?: string): Promise<CreateResult>;
  /**
   * Leases the oldest queued jobs, one to each worker in order, while the queue lasts (null once none is left for
   * it): never a job the worker's identity said cannot be processed, answered or answered with nonsense, or (as a
   * volunteer) failed or dropped, which waits for other identities; never a trusted-only job to a volunteer. Only the oldest limits.leaseScanLimit jobs
   * a worker may be given (the open queue's, for a volunteer) are considered for it. A job whose image is gone is
   * leased all the same, without it (LeaseWithoutImage), for the lifecycle to fail: the store only finds out here.
   * A job a volunteer's lease passes over holding limits.maxAnswersPerJob answers is made trusted-only and told to
   * `capped`.
   */
  lease(workers: WorkerRef[], leaseMs: number, now: number, capped?: CappedJobs): Promise<(Leased | null)[]>;
  /**
   * Whether lease would find each worker a job now, each on its own; nothing is leased. A spot check goes only to a
   * volunteer some job is open to: one that came when none was would be known for a check (job-dealing.ts). Redis
   * marks trusted-only the jobs holding limits.maxAnswersPerJob answers that a volunteer passes over, as lease does,
   * and tells them to `capped`; SQLite only reads, leaving them to the next lease.
   */
  openTo(workers: WorkerRef[], capped?: CappedJobs): Promise<boolean[]>;
  /**
   * Accepts a result only for the job's current lease held by this worker. `answer`: the worker's own answer, when the
   * result is another's (verification settled on an earlier vote): kept on its attempt, as what it votes if the job is
   * reopened (reopenAnsweredBy). Absent, the result is the worker's answer.
   */
  complete(lease: LeaseRef, workerId: string, result: JobResult, now: number, answer?: JobResult): Promise<Transition>;
  /**
   * A volunteer's answer that does not settle the job yet, fenced as complete is: kept as a vote (votes()), the job
   * goes back to the queue for another identity — never this one again — and, with `trustedOnly` or once it holds
   * limits.maxAnswersPerJob votes, for trusted workers only from now on. Uses up no attempt.
   */
  vote(lease: LeaseRef, workerId: string, answer: JobResult, trustedOnly: boolean, now: number): Promise<Transition>;
  /**
   * A queued job whose votes now settle it (its voters' credibility grew since they answered): done with `result`,
   * the vote of `result.workerId` becoming the attempt that finished it, but only while the job is still queued
   * holding exactly the votes decided on (`votesSeen`, their lease ids in order, at least one), that vote among them.
   * Otherwise not applied ('stale-lease'): a lease, another answer, a retry or a backtracking came first, and that
   * path decides (or the job holds no vote to settle on). Lease ids, not a count: after a retry the same identities
   * may vote again, as many, and otherwise.
   */
  settleWaiting(jobId: string, votesSeen: readonly string[], result: JobResult, now: number): Promise<Transition>;
  /** The votes kept on a job, oldest first: none while its lease is its first attempt (Lease.attempt 1). */
  votes(jobId: string): Promise<Vote[]>;
  /**
   * Backtracking after a blacklisting: every job done on this identity's word (its answer agreed with the result and counted, and
   * no trusted worker's did) goes back to the queue, its answers all kept as votes, each its own identity's (the
   * finishing attempt's too, as complete kept it: a job finished before finishers kept their own answer, on another's,
   * holds none of the finisher's, which may answer again) and `walk.reason` as its error. A job that would hold
   * limits.maxAnswersPerJob answers goes to trusted workers only if `walk.trustedWorkerConnected`; with none connected
   * it would wait for ever, so it stays done, its result's verification unverified with `walk.answersFullReason`, as
   * the verifier ends a job at that limit. A job whose image has expired cannot be verified again: it stays done, its
   * result's verification unverified with `walk.imageExpiredReason` (job-views.ts, withdrawn). Reads only the jobs
   * this identity answered, in steps of at most limits.reopenBatch, each committed on its own and told to `told` as it
   * commits, the event loop free between them: an identity that answered a hundred thousand jobs holds neither the
   * store nor the master's memory, and a walk cut short by an error has told what it did.
   */
  reopenAnsweredBy(identity: string, walk: Backtracking, told: (step: Reopened) => void): Promise<void>;
  /**
   * The worker could not process the job: requeue, or fail it per the attempt rules (attempt-rules.ts): out of
   * attempts, or not retryable in the word of a trusted worker or of limits.failureQuorum volunteer identities.
   */
  fail(lease: LeaseRef, workerId: string, reason: string, retryable: boolean, now: number): Promise<Transition>;
  /**
   * The worker's answer was refused as nonsense (master/hub/result-checks.ts), fenced as complete is: the job is
   * requeued (or fails per the attempt rules, as any attempt may) and never leased to that identity again.
   */
  refuse(lease: LeaseRef, workerId: string, reason: string, now: number): Promise<Transition>;
  /**
   * The master fails the job on this lease for good, whatever the attempt rules say, fenced as release is: no worker
   * could ever be given it (its image is gone). Its attempt ends 'image-missing', the master's verdict and not its
   * worker's failure (counted as none, its identity not shunned), and the job's error is `reason` alone.
   */
  failForGood(lease: LeaseRef, reason: string, now: number): Promise<Transition>;
  /** The lease ended without an answer (worker lost, lease expired, master restarted): requeue or fail. */
  release(lease: LeaseRef, outcome: 'lost' | 'expired' | 'recovered', reason: string, now: number): Promise<Transition>;
  /**
   * Leases whose deadline has passed: this master's by `now`, on its clock, as it set them. A deadline another master
   * sharing the store set is on that master's clock, which may run behind this one's: such a lease is due here only
   * `othersGraceMs` later (its master reaps it, or the master watch when that master died; this is the backstop).
   */
  expiredLeases(now: number, othersGraceMs: number): Promise<DueLease[]>;
  /** Every lease currently held (used on start to recover jobs leased by a master that died). */
  activeLeases(): Promise<LeaseRef[]>;
  /**
   * A failed job goes back to the queue with a fresh attempt budget. Refused, saying why, when it is not there or not
   * failed, or its image expired or is gone (LeaseWithoutImage): it would only fail again. `now` is when it went back.
   */
  retry(jobId: string, now: number): Promise<Retried>;
  /** Removes a job; returns its lease if it was leased, so the worker can be told to drop it. */
  remove(jobId: string): Promise<{ removed: boolean; lease: LeaseRef | null }>;
  /**
   * Removes every job; answers their ids and the leases to cancel, added to `cleared` (a new one when not given) as
   * each step commits: on a store that clears a batch at a time (Redis), a call cut short by an error leaves there
   * what it did delete.
   */
  clear(cleared?: Cleared): Promise<Cleared>;
  /**
   * Retention, one bounded atomic step: deletes the images of at most `batch` jobs that ended (done or failed) at or
   * before `endedBy`, oldest ending first, found through an index on the end time; each job keeps its result and says
   * when (imageExpiredAt = `now`). A job that was retried or reopened is no longer ended and is not touched. Answers
   * the jobs changed; a step that finds none (another master took them) changes nothing.
   */
  expireImages(endedBy: number, now: number, batch: number): Promise<JobView[]>;
  /** Retention, the same for whole jobs: removes at most `batch` jobs ended at or before `endedBy`, with their attempts and image. Answers their ids. */
  expireJobs(endedBy: number, batch: number): Promise<string[]>;
  /**
   * Retention, the same for Idempotency-Keys: forgets at most `batch` first used at or before `usedBy`, oldest first,
   * with the job ids each names (a create forgets a few too, but only a create). Answers how many it forgot.
   */
  forgetIdempotencyKeys(usedBy: number, batch: number): Promise<number>;
  get(jobId: string): Promise<JobView | null>;
  getDetail(jobId: string): Promise<JobDetailView | null>;
  /** The original image, as uploaded (for display; workers get the prepared one, through lease); null when there is no such job or its image is gone (imageExpiredAt says which). */
  image(jobId: string): Promise<{ contentType: string; bytes: Uint8Array } | null>;
  list(query: ListQuery): Promise<JobPage>;
  counts(): Promise<StatusCounts>;
  /** Resolves when the store answers a trivial request now (readiness); throws StoreUnavailableError when it cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
