// The wire protocol between the master and worker pages, defined once and
// validated at runtime on both sides (the worker runtime in web/ imports this file).
//
// Control messages are JSON text frames. A job travels as one binary frame:
// [u32 big-endian header length][JSON JobHeader][image bytes], so the image is
// pushed as-is, without base64 inflation or a second request.
import { z } from 'zod';
import { jsonShapeProblem } from './json-shape.ts';
import { flattened, isPlain, MAX_MARKS_PER_CHARACTER, nameProblem, stacksMarks } from './shown-text.ts';

export const PROTOCOL_VERSION = 1;
export const MAX_CREDIT = 32;
/** How long the operator's fleet token (FLEET_TOKEN) is: the master refuses to start with, and the fleet to present, another. */
export const FLEET_TOKEN_LENGTH = { min: 16, max: 256 } as const;
/** The WebSocket path workers connect to. */
export const WORKER_SOCKET_PATH = '/ws/worker';
/** The longest heartbeat interval: a page waits three of them in one timer, which cannot wait past 2^31 - 1 ms. */
export const MAX_HEARTBEAT_MS = 3_600_000;

const id = z.string().min(1).max(64);
const text = (max: number) => z.string().max(max);
/** Text a stranger's worker writes that people read as it is (a result's backend), on boards and in exports. */
const shownText = (max: number) => text(max).refine(isPlain, 'no control or formatting characters');
/** A name a stranger chose, shown as it is: composed (NFC), and refused if it would hide, spill over its neighbours or turn text around. */
/** The longest worker name, in UTF-16 units as the schema counts: the page cuts a ?name= to it. */
export const MAX_WORKER_NAME_LENGTH = 64;

const shownName = (max: number) =>
  z
    .string()
    .normalize('NFC')
    .trim()
    .min(1)
    .max(max)
    .check((context) => {
      const problem = nameProblem(context.value);
      if (problem) context.issues.push({ code: 'custom', message: problem, input: context.value });
    });

export const WorkerKind = z.enum(['volunteer', 'headless']);
export type WorkerKind = z.infer<typeof WorkerKind>;

/**
 * How far the master trusts a worker's answers. `trusted`: the operator's fleet, which proved it with
 * the fleet token; `volunteer`: everyone else. The class is the master's to give, never the worker's to claim.
 */
export const WorkerClass = z.enum(['trusted', 'volunteer']);
export type WorkerClass = z.infer<typeof WorkerClass>;
/** The kind a worker is listed as: headless is the fleet's to claim; a volunteer is one whatever kind it says. */
export const listedKind = (claimed: WorkerKind, workerClass: WorkerClass): WorkerKind => (workerClass === 'trusted' ? claimed : 'volunteer');

/** A worker identity id, issued by the master; credit and history accrue to it. */
export const WorkerIdentityId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'a worker id is 16-64 letters, digits, - or _');
/**
 * A worker token: `<issued at, ms since 1970>.<HMAC-SHA256 over id, class and issue time, 43 base64url characters>`.
 * The issue time lets a master refuse a token older than IDENTITY_TOKEN_MAX_AGE_MS, so an identity idle that long
 * can be forgotten. Also taken: the undated token (the HMAC alone) masters issued before tokens expired, only to be
 * refused as expired, so that a page keeping one is closed with a code it answers by asking for a new identity.
 */
// The issue time in its one form (no leading zero), so that one token has one spelling.
const DATED_TOKEN = /^(0|[1-9]\d{0,14})\.([A-Za-z0-9_-]{43})$/;
export const WorkerToken = z
  .string()
  .regex(/^(?:(?:0|[1-9]\d{0,14})\.)?[A-Za-z0-9_-]{43}$/, 'a worker token is its issue time in ms, a dot and 43 base64url characters');
/** A dated token's issue time and signature; null for an undated one (from before tokens expired). */
export function tokenParts(token: string): { issuedAt: number; signature: string } | null {
  const [, issuedAt, signature] = DATED_TOKEN.exec(token) ?? [];
  return issuedAt && signature ? { issuedAt: Number(issuedAt), signature } : null;
}
/** The token for an identity signed as `signature` at `issuedAt`. */
export const datedToken = (issuedAt: number, signature: string): string => `${issuedAt}.${signature}`;
/**
 * The identity a master issued: its id and a dated token signed over the id and class (HMAC-SHA256 with the
 * master secret). The page keeps it (localStorage) and presents it in every hello, so it stays itself; each welcome
 * brings a fresh token, so a volunteer who keeps coming back never holds an expired one.
 */
export const WorkerIdentity = z.object({
  workerId: WorkerIdentityId,
  token: WorkerToken,
});
export type WorkerIdentity = z.infer<typeof WorkerIdentity>;
export const MAX_DISPLAY_NAME_LENGTH = 40;
/** The name a volunteer chose to show on the leaderboard; shown as text only, never as markup. */
export const DisplayName = shownName(MAX_DISPLAY_NAME_LENGTH);

export const CPU_SHARES = [25, 50, 100] as const;
export const MAX_IMAGES_PER_HOUR = 100_000;
/** What the volunteer allows this tab: the share of one core it may keep busy, and an optional hourly cap. */
export const DonorLimits = z.object({
  cpuShare: z.literal(CPU_SHARES),
  imagesPerHour: z.number().int().min(1).max(MAX_IMAGES_PER_HOUR).nullable(),
});
export type DonorLimits = z.infer<typeof DonorLimits>;
export const UNLIMITED: DonorLimits = { cpuShare: 100, imagesPerHour: null };

/** The classes the served model (MobileNet, ImageNet) tells apart; a prediction's index is one of them. */
export const CLASS_COUNT = 1000;
/** The TF.js backends a worker page can run on: a hello naming another is refused, and so is a result (result-checks.ts). */
export const KNOWN_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
/** The browser families the leaderboard totals (web/src/worker-runtime/browser-family.ts names a page's). */
export const BROWSER_FAMILIES = ['chromium', 'firefox', 'edge', 'safari', 'other'] as const;
export type BrowserFamily = (typeof BROWSER_FAMILIES)[number];
export type KnownBackend = (typeof KNOWN_BACKENDS)[number];
/**
 * The floats a backend keeps tensors in: fp16 where WebGL cannot render to float32 textures (many mobile GPUs),
 * fp32 everywhere else. Half floats move probabilities in the second or third decimal, so borderline images flip.
 */
export const Precision = z.enum(['fp32', 'fp16']);
export type Precision = z.infer<typeof Precision>;
/** The only backend TF.js runs in half floats; a result saying fp16 from another is refused (result-checks.ts). */
export const HALF_FLOAT_BACKEND: KnownBackend = 'webgl';

export const Prediction = z
  .object({
    index: z
      .number()
      .int()
      .min(0)
      .max(CLASS_COUNT - 1),
    label: text(200),
    probability: z.number().min(0).max(1),
  })
  .meta({ id: 'Prediction' });
export type Prediction = z.infer<typeof Prediction>;

// ---- worker → master -------------------------------------------------------

export const HelloMessage = z.object({
  type: z.literal('hello'),
  protocol: z.literal(PROTOCOL_VERSION),
  name: shownName(MAX_WORKER_NAME_LENGTH),
  kind: WorkerKind,
  /** Shown on /stats and every job page it works on, and a metrics label: one of a few, never a stranger's words. */
  backend: z.enum(KNOWN_BACKENDS),
  /** Content hash of the model the worker has loaded (from GET /api/model). */
  model: text(128),
  /** How many jobs the worker may hold at once, sized to its speed within its donor limits. */
  credit: z.number().int().min(0).max(MAX_CREDIT),
  /** The identity a master issued to this page before; absent on its first visit (a new one is issued). */
  identity: WorkerIdentity.optional(),
  /** The operator's fleet token (FLEET_TOKEN): presented by the headless fleet, it makes the worker trusted. */
  fleetToken: z.string().min(1).max(FLEET_TOKEN_LENGTH.max).optional(),
  /** Shown on the leaderboard only when the volunteer opted in; null withdraws it. */
  displayName: DisplayName.nullable().optional(),
  /** The browser family, for per-browser totals: one of a few, as each kept is a total for good. */
  browser: z.enum(BROWSER_FAMILIES).optional(),
  limits: DonorLimits.optional(),
});

export const CreditMessage = z.object({
  type: z.literal('credit'),
  credit: z.number().int().min(0).max(MAX_CREDIT),
  /** Sent when the volunteer changes them. */
  limits: DonorLimits.optional(),
});

/** The volunteer opted in to (or out of) showing a name. */
export const ProfileMessage = z.object({
  type: z.literal('profile'),
  displayName: DisplayName.nullable(),
});

const stageMs = z.number().nonnegative().max(3_600_000);
/**
 * Where the page's time on one image went, ms, by the page's clock (web/src/worker-runtime/classifier.ts):
 * waiting in the page behind other jobs, decoding, preprocessing, running the model, reading the answer back.
 * On GPU backends the model's work is queued, so most of it shows as readback.
 */
export const PageStages = z.object({ queued: stageMs, decode: stageMs, preprocess: stageMs, predict: stageMs, readback: stageMs });
export type PageStages = z.infer<typeof PageStages>;
export const PAGE_STAGES = PageStages.keyof().options;
export type PageStage = (typeof PAGE_STAGES)[number];

/** A result that passes this schema must still make sense before it is accepted: see master/hub/result-checks.ts. */
export const ResultMessage = z.object({
  type: z.literal('result'),
  jobId: id,
  leaseId: id,
  predictions: z.array(Prediction).min(1).max(10),
  inferenceMs: z.number().nonnegative().max(3_600_000),
  /** Optional: synthetic workers (tests, benchmarks) do not measure them. */
  stages: PageStages.optional(),
  backend: shownText(32),
  /** Optional: pages before it, and synthetic workers, do not say; the master then goes by the backend's name. */
  precision: Precision.optional(),
  model: text(128),
});

/** The longest failure reason a worker may send, in UTF-16 units as the schema counts: the page cuts its errors to it. */
export const MAX_FAILURE_REASON_LENGTH = 500;

export const FailureMessage = z.object({
  type: z.literal('failure'),
  jobId: id,
  leaseId: id,
  /**
   * Shown on the job's page and boards as its error: a line break or a bidi override becomes a space (an honest page's
   * error may hold one); a stack of marks that would draw over the rows around it is refused, as in a name.
   */
  reason: text(MAX_FAILURE_REASON_LENGTH)
    .refine((reason) => !stacksMarks(reason.normalize('NFC')), `a reason may put at most ${MAX_MARKS_PER_CHARACTER} combining marks on one character`)
    .transform(flattened),
  /** false when retrying cannot help, e.g. the image cannot be decoded. */
  retryable: z.boolean(),
});

/** The worker is leaving: it finishes what it holds and takes nothing new. */
export const DrainMessage = z.object({ type: z.literal('drain') });

export const WorkerMessage = z.discriminatedUnion('type', [HelloMessage, CreditMessage, ProfileMessage, ResultMessage, FailureMessage, DrainMessage]);
export type HelloMessage = z.infer<typeof HelloMessage>;
export type ResultMessage = z.infer<typeof ResultMessage>;
export type FailureMessage = z.infer<typeof FailureMessage>;
export type WorkerMessage = z.infer<typeof WorkerMessage>;

// ---- master → worker -------------------------------------------------------

export const WelcomeMessage = z.object({
  type: z.literal('welcome'),
  workerId: id,
  /** Who the master knows this worker as: the page keeps it and presents it on reconnect. */
  identity: WorkerIdentity,
  workerClass: WorkerClass,
  /** How long a lease lasts; the worker sizes its credit to fit a few seconds of work. */
  leaseMs: z.number().int().positive(),
  /** The master sends something at least this often; a worker that hears nothing for a few intervals reconnects. */
  heartbeatMs: z.number().int().positive().max(MAX_HEARTBEAT_MS),
});

/**
 * Sent every heartbeat interval. Browsers cannot see WebSocket pings, so
 * without it a page whose connection the master has cut (a half-open socket
 * on a lossy link) would wait for work that never comes.
 */
export const HeartbeatMessage = z.object({
  type: z.literal('heartbeat'),
  /**
   * A fresh token for the identity this socket was welcomed as, sent once the one the page holds is a quarter of
   * IDENTITY_TOKEN_MAX_AGE_MS old: a page that stays connected longer than that never holds an expired one. Keep it.
   */
  identity: WorkerIdentity.optional(),
});

export const CancelMessage = z.object({
  type: z.literal('cancel'),
  jobId: id,
  leaseId: id,
});

/** Error codes the master sends in ErrorMessage frames. */
export const ErrorCode = {
  badMessage: 'bad-message',
  helloFirst: 'hello-first',
  /** The worker runs another model than the master serves: reload it. */
  modelMismatch: 'model-mismatch',
  /** A result that passes the schema but cannot be a real answer (result-checks.ts); the job goes to someone else. */
  resultRefused: 'result-refused',
} as const;

/**
 * WebSocket close codes the master ends a worker socket with (4000-4999 are the application's).
 * A worker must not reconnect with the same credentials after the identity codes: it would be refused again.
 */
export const CloseCode = {
  /** The master cannot check identities now (its store is away): reconnect later. */
  tryAgainLater: 1013,
  noHello: 4000,
  modelMismatch: 4001,
  /** The identity token does not verify: forged, altered, or signed with another secret. */
  badIdentityToken: 4003,
  /** The identity was revoked by the operator. */
  identityRevoked: 4004,
  /** A fleet token was presented that is not this master's (or the master has none). */
  badFleetToken: 4005,
  /** A trusted identity was presented without the fleet token it was issued with. */
  fleetTokenRequired: 4006,
  /** The address was issued MAX_NEW_IDENTITIES_PER_ADDRESS new identities this window: reconnect later. */
  tooManyNewIdentities: 4007,
  /** The identity token is older than IDENTITY_TOKEN_MAX_AGE_MS (or undated, from before tokens expired): ask for a new identity. */
  identityExpired: 4008,
} as const;
/** The close codes after which the page should forget its identity (and, for the fleet ones, stop). */
export const IDENTITY_CLOSE_CODES: readonly number[] = [CloseCode.badIdentityToken, CloseCode.identityRevoked, CloseCode.identityExpired];

export const ErrorMessage = z.object({
  type: z.literal('error'),
  code: text(64),
  message: text(1000),
});

export const MasterMessage = z.discriminatedUnion('type', [WelcomeMessage, HeartbeatMessage, CancelMessage, ErrorMessage]);
export type WelcomeMessage = z.infer<typeof WelcomeMessage>;
export type CancelMessage = z.infer<typeof CancelMessage>;
export type ErrorMessage = z.infer<typeof ErrorMessage>;
export type MasterMessage = z.infer<typeof MasterMessage>;

export const JobHeader = z.object({
  type: z.literal('job'),
  jobId: id,
  leaseId: id,
  contentType: text(100),
});
export type JobHeader = z.infer<typeof JobHeader>;

// ---- encoding --------------------------------------------------------------

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

/** The most arrays or objects a message may open inside one another (a result's predictions nest three): deeper is refused unparsed (json-shape.ts). */
export const MAX_JSON_DEPTH = 8;
/** The most values a message may hold (a result holds some fifty): more is refused unparsed (json-shape.ts). */
export const MAX_JSON_VALUES = 256;

function parseWith<T>(schema: z.ZodType<T>, raw: string): ParseResult<T> {
  const shapeProblem = jsonShapeProblem(raw, { depth: MAX_JSON_DEPTH, values: MAX_JSON_VALUES });
  if (shapeProblem) return { ok: false, error: shapeProblem };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'message is not valid JSON' };
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  return { ok: false, error: z.prettifyError(parsed.error) };
}

export const parseWorkerMessage = (raw: string) => parseWith(WorkerMessage, raw);
export const parseMasterMessage = (raw: string) => parseWith(MasterMessage, raw);

export function encodeJobFrame(header: JobHeader, image: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const frame = new Uint8Array(4 + head.length + image.length);
  new DataView(frame.buffer).setUint32(0, head.length);
  frame.set(head, 4);
  frame.set(image, 4 + head.length);
  return frame;
}

export function decodeJobFrame(frame: Uint8Array): ParseResult<{ header: JobHeader; image: Uint8Array }> {
  if (frame.length < 4) return { ok: false, error: 'job frame is shorter than its length prefix' };
  const headLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0);
  if (4 + headLength > frame.length) return { ok: false, error: 'job frame header overruns the frame' };
  const head = new TextDecoder().decode(frame.subarray(4, 4 + headLength));
  const parsed = parseWith(JobHeader, head);
  if (!parsed.ok) return parsed;
  return { ok: true, message: { header: parsed.message, image: frame.subarray(4 + headLength) } };
}
