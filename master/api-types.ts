// Shapes of the master's REST and live-event API, shared with the web app.
// Field names are a public contract: scripts depend on them. Each shape is a zod
// schema with its type inferred from it, so the OpenAPI description
// (http/openapi.ts) is generated from the very shapes the code is typed with;
// a meta id names the shape there.
import { z } from 'zod';
import { JOB_TRANSITIONS, REMOVING_TRANSITIONS } from './lifecycle/job-events.ts';
import { PageStages, Precision, Prediction, WorkerClass, WorkerKind } from './protocol.ts';

export const JobStatus = z.enum(['queued', 'leased', 'done', 'failed']);
export type JobStatus = z.infer<typeof JobStatus>;
export const JOB_STATUSES: readonly JobStatus[] = JobStatus.options;

/** How every time in the API is written. */
export const timestamp = z.iso.datetime();

/** One worker's answer to a job, as the verification weighed it. */
export const Replica = z
  .object({
    workerId: z.string().describe('The master-issued identity that answered.'),
    workerClass: WorkerClass,
    top1: z.number().int().describe('Its most probable class index: answers are compared on it.'),
    agreed: z.boolean().describe('Whether its top-1 is the final answer.'),
    backend: z.string().optional().describe('Its TF.js backend (absent on results verified before replicas named it).'),
    browser: z.string().optional().describe("Its browser family, as the worker's hello said, when it said."),
    inferenceMs: z
      .number()
      .optional()
      .describe('Its inference time, as the worker reported it, cut to the time the master saw the lease held: what a volunteer is credited with.'),
    blacklisted: z
      .literal(true)
      .optional()
      .describe('Present when its identity was blacklisted after it answered: the answer counted for nothing, and earns no credit.'),
  })
  .meta({ id: 'Replica' });
export type Replica = z.infer<typeof Replica>;

/** How far a result can be believed, and on whose word (master/trust/). */
export const Verification = z
  .object({
    state: z
      .enum(['trusted', 'verified', 'unverified'])
      .describe(
        "trusted: a worker of the operator's fleet answered; verified: volunteers agreed until the answer's credibility reached 1 − TARGET_ERROR; unverified: MAX_REPLICAS volunteers whose answers count answered without reaching it, or the job held MAX_ANSWERS_PER_JOB volunteer answers, those of identities blacklisted since included (reason then says so), and no trusted worker was there.",
      ),
    credibility: z.number().min(0).max(1).describe("The final answer's credibility: the estimated probability that it is what an honest worker says."),
    replicas: z.array(Replica).describe('Every answer the job received, in order.'),
    reason: z
      .string()
      .optional()
      .describe(
        'Only on an unverified result, and not on one that ended so past MAX_REPLICAS: why. Either it was made unverified after the job was done: a volunteer it leaned on was blacklisted when its image had already expired, so it could not be verified again, and the credibility is the one it had when it was done, which counted that volunteer. Or the job ended holding MAX_ANSWERS_PER_JOB volunteer answers, the most one job may, before MAX_REPLICAS of them counted (the others came from identities blacklisted since they answered, marked blacklisted among the replicas), with no trusted worker connected; the credibility is that of the answers that count.',
      ),
  })
  .meta({ id: 'Verification' });
export type Verification = z.infer<typeof Verification>;
export type VerificationState = Verification['state'];

export const JobResult = z
  .object({
    predictions: z.array(Prediction).describe('Top predictions, most probable first (5 from the browser workers).'),
    model: z.string().describe('Content hash of the model that produced them.'),
    backend: z.string().describe('TF.js backend of the worker: webgpu, webgl, wasm or cpu.'),
    precision: Precision.optional().describe('The floats the backend kept tensors in (fp16: WebGL without float32 textures), as the worker said.'),
    inferenceMs: z.number(),
    stages: PageStages.optional().describe('Where the worker page spent its time on this image, ms: queued, decode, preprocess, predict, readback.'),
    workerId: z.string().optional().describe('The master-issued identity of the worker that answered (absent on results stored before identities).'),
    workerClass: WorkerClass.optional().describe("trusted (the operator's fleet) or volunteer, when it answered."),
    browser: z.string().optional().describe("The worker's browser family, as its hello said, when it said."),
    verification: Verification.optional().describe('Absent on results stored before verification.'),
  })
  .meta({ id: 'JobResult' });
export type JobResult = z.infer<typeof JobResult>;

/**
 * refused: the worker's answer made no sense (wrong model, unknown backend, impossible probabilities) and was not taken.
 * answered: a volunteer's answer, kept as a vote while the job waits for another replica (its top-1 is shown once the job is done).
 * image-missing: the master found the job's stored image gone as it leased it, and failed the job: its reason is the
 * master's, not the worker's, whose lease this attempt was.
 */
export const AttemptOutcome = z.enum(['running', 'done', 'answered', 'failed', 'expired', 'lost', 'recovered', 'refused', 'image-missing']);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;

/** One lease of a job to a worker. */
export const AttemptView = z
  .object({
    attempt: z.number().int(),
    leaseId: z.string(),
    worker: z.string(),
    workerName: z.string(),
    backend: z.string(),
    startedAt: timestamp,
    endedAt: timestamp.nullable(),
    outcome: AttemptOutcome,
    reason: z.string().nullable(),
    workerId: z.string().nullable().describe('The master-issued identity that held the lease (null for attempts made before identities).'),
    workerClass: WorkerClass.describe("A volunteer's failure is a vote; a trusted worker's is final."),
  })
  .meta({ id: 'AttemptView' });
export type AttemptView = z.infer<typeof AttemptView>;

export const JobView = z
  .object({
    id: z.string(),
    status: JobStatus,
    attempts: z.number().int(),
    fileName: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    submittedAt: timestamp,
    queuedAt: timestamp.describe(
      'When the job last went into the queue: its submission, or when it went back (its lease lost, expired or failed, a volunteer answered and it waits for another, its result reopened, or it was retried). A queued job has waited since then. Jobs stored before it was kept give their submission.',
    ),
    startedAt: timestamp
      .nullable()
      .describe(
        'When its latest lease began (null before any, and once retried). A job back in the queue keeps it until its next lease: queuedAt is when it went back.',
      ),
    finishedAt: timestamp.nullable(),
    worker: z.string().nullable().describe('Name of the worker holding or that finished the job.'),
    holderClass: WorkerClass.nullable().describe(
      "The class of the worker holding a leased job, the master's word (the name is the worker's own claim): trusted (the operator's fleet) or volunteer; null when no worker holds it. A finished job's is result.workerClass.",
    ),
    error: z.string().nullable(),
    result: JobResult.nullable(),
    owner: z
      .string()
      .nullable()
      .describe(
        'Who submitted the job, as an id that is no credential: anon-… (an owner key), key-<name> (an API key) or admin; null for jobs stored before owners.',
      ),
    trustedOnly: z
      .boolean()
      .describe(
        "Only the operator's trusted workers may take it: it was submitted private, volunteers' answers did not verify it (past MAX_REPLICAS, or holding MAX_ANSWERS_PER_JOB volunteer answers), or volunteers could not process it.",
      ),
    imageExpiredAt: timestamp
      .nullable()
      .describe(
        'When the image was deleted, IMAGE_RETENTION_MS after the job ended; null while it is kept. The result stays until the job itself is removed, JOB_RETENTION_MS after it ended; GET /api/jobs/{id}/image answers 410 image-expired from then on, and a failed job can no longer be retried.',
      ),
    votes: z
      .number()
      .int()
      .describe(
        "Volunteers' answers a queued or leased job holds while it waits for another worker to agree with them (a volunteer's answer alone is not final); 0 once it is finished, when result.verification.replicas lists every answer.",
      ),
  })
  .meta({ id: 'JobView' });
export type JobView = z.infer<typeof JobView>;

export const JobDetailView = JobView.extend({ timeline: z.array(AttemptView) }).meta({ id: 'JobDetailView' });
export type JobDetailView = z.infer<typeof JobDetailView>;

/** What one upload may carry (POST /api/owner answers it), so a client refuses a file locally instead of sending it to a 413. */
export const UploadLimits = z
  .object({
    maxUploadBytes: z.number().int().describe('Largest image this master takes (MAX_UPLOAD_BYTES).'),
    maxUploadRequestBytes: z.number().int().describe('Largest upload request, multipart encoding included (MAX_UPLOAD_REQUEST_BYTES).'),
  })
  .meta({ id: 'UploadLimits' });
export type UploadLimits = z.infer<typeof UploadLimits>;

/** POST /api/jobs answer. */
export const SubmitResponse = z
  .object({
    jobs: z.array(JobView).describe('The jobs created, in upload order.'),
    ownerKey: z
      .string()
      .optional()
      .describe('Only when the request carried no credentials: the key of the new owner of these jobs, shown this once (browsers get it as a cookie too).'),
  })
  .meta({ id: 'SubmitResponse' });
export type SubmitResponse = z.infer<typeof SubmitResponse>;

export const JobPage = z
  .object({
    jobs: z.array(JobView),
    nextCursor: z.string().nullable().describe('Pass as ?cursor= to get the next (older) page; null on the last page.'),
  })
  .meta({ id: 'JobPage' });
export type JobPage = z.infer<typeof JobPage>;

export const WorkerView = z
  .object({
    id: z.string().describe('This connection.'),
    workerId: z.string().describe('The master-issued identity behind it; kept across reconnects.'),
    workerClass: WorkerClass.describe('trusted: presented the fleet token; volunteer: anyone else.'),
    name: z.string().describe('Display only: not unique, not verified.'),
    kind: WorkerKind,
    browser: z.string().nullable().describe('The browser family the worker page reported, e.g. "firefox".'),
    backend: z.string(),
    model: z.string(),
    credit: z.number().int(),
    cpuShare: z.number().int().describe("The volunteer's donor limit: share of one core, in percent."),
    imagesPerHour: z.number().int().nullable().describe("The volunteer's hourly cap (null: none)."),
    inFlight: z.number().int(),
    jobsDone: z.number().int(),
    jobsFailed: z.number().int(),
    meanInferenceMs: z.number().nullable(),
    credibility: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .describe(
        'How far its answers are believed (master/trust/): 1 for a trusted worker; 0 for a volunteer short of MIN_CHECKS_TO_VERIFY passed spot checks (its answers count toward no verdict yet), then growing with the checks it passed. null on a private board to all but the admin: it moves right after a spot check is judged, so a volunteer watching it could tell which frames were checks.',
      ),
    spotChecksPassed: z
      .number()
      .int()
      .nullable()
      .describe(
        'Spot checks (gold images) its identity answered right, on every master; one answered wrong blacklists it. null on a private board to all but the admin, for the same reason as credibility.',
      ),
    connectedAt: timestamp,
    draining: z.boolean(),
  })
  .meta({ id: 'WorkerView' });
export type WorkerView = z.infer<typeof WorkerView>;

/** GET /api/workers: one page of the workers connected to this master, in the order they connected. */
export const WorkerPage = z
  .object({
    total: z.number().int().describe('Workers connected to this master now, on every page.'),
    workers: z.array(WorkerView),
    nextCursor: z.string().nullable().describe('Pass as ?cursor= to get the next page (workers connected later); null on the last page.'),
  })
  .meta({ id: 'WorkerPage' });
export type WorkerPage = z.infer<typeof WorkerPage>;

/** POST /api/workers/{workerId}/revoke answer. */
export const RevokedView = z
  .object({ workerId: z.string(), revoked: z.literal(true), disconnected: z.number().int().describe('Sockets of it this master closed.') })
  .meta({ id: 'RevokedView' });
export type RevokedView = z.infer<typeof RevokedView>;

export const ModelView = z
  .object({
    name: z.string(),
    hash: z.string().describe('sha256 over the model files; part of every file URL, so caches never serve a stale model.'),
    url: z.string().describe('URL of model.json (graph model); weights are relative to it.'),
    inputRange: z.tuple([z.number(), z.number()]),
    bytes: z.number().int().describe('Size of all model files: what a worker downloads once, then keeps in its cache.'),
    imageSize: z
      .number()
      .int()
      .describe('Input height and width. Whether logit 0 is a background class, the worker reads off the output width (1001 vs 1000).'),
  })
  .meta({ id: 'ModelView' });
export type ModelView = z.infer<typeof ModelView>;

/** GET /api/verification: what a volunteer's answer can do on this master, so its pages can say so. */
export const VerificationPolicyView = z
  .object({
    spotChecks: z.boolean().describe('Whether this master deals spot checks (GOLD_DIR is set): how a volunteer earns a say.'),
    minChecksToVerify: z
      .number()
      .int()
      .describe("Spot checks a volunteer must have passed before its answers count toward a job's verdict (MIN_CHECKS_TO_VERIFY)."),
    volunteersCanVerify: z
      .boolean()
      .describe(
        "false when no volunteer can ever earn a say (no spot checks, MIN_CHECKS_TO_VERIFY above 0): volunteers' answers then never verify a job; it goes to a trusted worker, or ends unverified after maxReplicas answers.",
      ),
    maxReplicas: z
      .number()
      .int()
      .describe(
        'Most answers one job collects while its answer is not yet credible (MAX_REPLICAS), counting those of identities not blacklisted since; every volunteer answer counts toward MAX_ANSWERS_PER_JOB, a bound of its own.',
      ),
    targetError: z.number().describe('A volunteer-answered job is verified when its credibility reaches 1 − this (TARGET_ERROR).'),
  })
  .meta({ id: 'VerificationPolicyView' });
export type VerificationPolicyView = z.infer<typeof VerificationPolicyView>;

/** The named transitions of a job's life (lifecycle/job-events.ts); cancelled, cleared and purged remove the job. */
const JobTransition = z.enum(JOB_TRANSITIONS);
const RemovingTransition = z.enum(REMOVING_TRANSITIONS);

/** Live events pushed to boards on GET /api/events (Server-Sent Events, event name = type); job events name their transition. */
export const JobEvent = z.object({ type: z.literal('job'), transition: JobTransition.exclude(REMOVING_TRANSITIONS), job: JobView }).meta({ id: 'JobEvent' });
export const JobDeletedEvent = z.object({ type: z.literal('job-deleted'), transition: RemovingTransition, id: z.string() }).meta({ id: 'JobDeletedEvent' });
export const WorkersChangedEvent = z
  .object({
    type: z.literal('workers-changed'),
    changed: z.array(WorkerView).describe('Workers that connected or changed, as they are now.'),
    left: z.array(z.string()).describe('Ids of workers that left.'),
    connected: z
      .number()
      .int()
      .describe(
        'Workers connected to this master now, these changes included: the master serving the stream, as worker changes are not relayed between masters. A stream opens with one such event naming no worker, so a board has the count without listing the workers.',
      ),
  })
  .meta({ id: 'WorkersChangedEvent' });
export type WorkersChangedEvent = z.infer<typeof WorkersChangedEvent>;
export const LiveEvent = z.discriminatedUnion('type', [JobEvent, JobDeletedEvent, WorkersChangedEvent]).meta({ id: 'LiveEvent' });
export type LiveEvent = z.infer<typeof LiveEvent>;
/** Sent to a board that asked to resume from an event no longer kept: reload what it shows. */
export const ResyncEvent = z.object({ type: z.literal('resync') }).meta({ id: 'ResyncEvent' });
/**
 * Sent as a stream opens and every EVENT_KEEPALIVE_MS after: an event, not an SSE comment, so that a page can tell a
 * quiet stream from a dead one (a connection lost without being closed, which EventSource never notices).
 */
export const KeepaliveEvent = z
  .object({
    type: z.literal('keepalive'),
    intervalMs: z
      .number()
      .int()
      .describe('How often this stream sends a keepalive (EVENT_KEEPALIVE_MS): a client that hears nothing for a few of these may reconnect.'),
  })
  .meta({ id: 'KeepaliveEvent' });
/** What GET /api/events carries: live events, resync and keepalives. */
export const StreamEvent = z
  .discriminatedUnion('type', [JobEvent, JobDeletedEvent, WorkersChangedEvent, ResyncEvent, KeepaliveEvent])
  .meta({ id: 'StreamEvent' });
export type StreamEvent = z.infer<typeof StreamEvent>;

/** GET /api/health: a summary for people; probes want /livez and /readyz. */
export const HealthView = z
  .object({
    ok: z.literal(true),
    jobs: z.object({ queued: z.number().int(), leased: z.number().int(), done: z.number().int(), failed: z.number().int() }),
    workers: z.number().int(),
  })
  .meta({ id: 'HealthView' });
export type HealthView = z.infer<typeof HealthView>;

export const ApiError = z
  .object({
    error: z.object({ code: z.string().describe('Stable, machine-readable.'), message: z.string().describe('Plain words for a person.') }),
  })
  .meta({ id: 'ApiError' });
export type ApiError = z.infer<typeof ApiError>;

// ---- volunteers (GET /api/volunteers) ----

export const VolunteerStanding = z
  .object({
    rank: z.number().int().describe('1 for the volunteer with the most images; ties share a rank.'),
    displayName: z.string().nullable().describe('The opt-in display name; null shows as anonymous. The id itself is never shown.'),
    images: z.number().int(),
    computeMs: z.number(),
  })
  .meta({ id: 'VolunteerStanding' });
export type VolunteerStanding = z.infer<typeof VolunteerStanding>;

export const Tally = z.object({ key: z.string(), images: z.number().int(), computeMs: z.number() });
export type Tally = z.infer<typeof Tally>;

export const LeaderboardPage = z.object({
  total: z.number().int().describe('Volunteers with any credit.'),
  volunteers: z.array(VolunteerStanding),
});
export type LeaderboardPage = z.infer<typeof LeaderboardPage>;

export const LedgerTotals = z.object({ images: z.number().int(), computeMs: z.number(), byBrowser: z.array(Tally), byBackend: z.array(Tally) });
export type LedgerTotals = z.infer<typeof LedgerTotals>;

/** GET /api/volunteers: one page of the leaderboard and the totals of everyone. */
export const VolunteersView = LeaderboardPage.extend({ offset: z.number().int(), limit: z.number().int(), totals: LedgerTotals }).meta({
  id: 'VolunteersView',
});
export type VolunteersView = z.infer<typeof VolunteersView>;

/** GET /api/volunteers/me: the asking volunteer's standing, null before their first accepted image. */
export const OwnStandingView = z.object({ standing: z.union([VolunteerStanding, z.null()]) }).meta({ id: 'OwnStandingView' });
export type OwnStandingView = z.infer<typeof OwnStandingView>;
