// One typed configuration, from command-line flags over environment variables
// over defaults, validated once at start with messages a person can act on.
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { OPTIONS } from './config-options.ts';
import { proxyTrust } from './http/client-address.ts';
import { DEFAULT_MAX_UNDELETED_IMAGES } from './images/file-image-store.ts';
import { FLEET_TOKEN_LENGTH, MAX_CREDIT, MAX_HEARTBEAT_MS } from './protocol.ts';
import { projectRoot } from './project-root.ts';
import { MAX_PARTITIONS } from './store/redis/partitions.ts';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './store/redis/redis-connection.ts';

export const DEFAULT_MAX_JOBS_PAGE = 500;
export const DEFAULT_MAX_WORKERS_PAGE = 200;
export const DEFAULT_MAX_ANSWERS_PER_JOB = 20;

const int = (min: number) => z.coerce.number().int().min(min);
/** Node's timers wait at most 2³¹ − 1 ms (24.8 days) and fire at once when asked for longer. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** A wait the master keeps with a timer. */
const timerMs = (min: number) => int(min).max(MAX_TIMER_MS, `at most ${MAX_TIMER_MS} ms (24.8 days, the longest a timer waits)`);
/** Whether proxy-addr reads the list as proxies to trust: it throws on an address or block it cannot parse. */
function compilesAsProxies(list: string[]): boolean {
  try {
    proxyTrust(list);
    return true;
  } catch {
    return false;
  }
}
/** A probability strictly between 0 and 1. */
const fraction = z.coerce.number().gt(0, 'expected a number above 0').lt(1, 'expected a number below 1');
/** A difference of two probabilities, 0 included. */
const probabilityGap = z.coerce.number().min(0, 'expected a number from 0 to 1').max(1, 'expected a number from 0 to 1');
const range = z
  .string()
  .regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/, 'expected two numbers "min,max", e.g. "-1,1"')
  .transform((s) => s.split(',').map(Number) as [number, number])
  // Reversed or empty, every pixel would be scaled upside down or to one value, and every answer silently wrong.
  .refine(([min, max]) => min < max, 'expected min below max, e.g. "-1,1"');

export const ConfigSchema = z
  .object({
    port: int(0).max(65535).default(5000),
    host: z.string().default('0.0.0.0'),
    dataDir: z.string().default(path.join(projectRoot, 'data')),
    modelDir: z.string().default(path.join(projectRoot, 'models/mobilenet-v2-100-224-graph')),
    modelInputRange: range.default([-1, 1]),
    webDir: z.string().default(path.join(projectRoot, 'web/dist')),
    maxUploadBytes: int(1).default(10 * 1024 * 1024),
    maxFilesPerUpload: int(1).default(100),
    /** The longest file name an upload may carry, in characters: it is shown on boards and job pages as it is. */
    maxFileNameChars: int(1).default(255),
    /** Image dimensions, read from the header before anything is decoded. */
    maxImageWidth: int(1).default(16_384),
    maxImageHeight: int(1).default(16_384),
    maxImagePixels: int(1).default(40_000_000),
    /** Queued + leased jobs beyond which submissions get 503. */
    maxPendingJobs: int(1).default(100_000),
    /** How long an Idempotency-Key is remembered after its first use. */
    idempotencyTtlMs: int(1).default(24 * 3_600_000),
    // ---- retention: storage that does not grow without bound (master/lifecycle/retention.ts) ----
    /** A job's image is deleted this long after the job ended (done or failed); its result stays. */
    imageRetentionMs: int(1).default(24 * 3_600_000),
    /** The job itself (result, attempts, votes) is removed this long after it ended; at least imageRetentionMs. */
    jobRetentionMs: int(1).default(30 * 24 * 3_600_000),
    /** Image files a delete could not remove that the embedded store remembers, to delete them at each retention step. */
    maxUndeletedImages: int(1).default(DEFAULT_MAX_UNDELETED_IMAGES),
    /** Most images, most jobs, and most credited pairs one retention step deletes: one transaction or Lua script, so the store is never held long. */
    retentionBatch: int(1).max(100_000).default(500),
    /** How often each master sweeps; a sweep takes steps until none is due. */
    retentionSweepMs: timerMs(10).default(60_000),
    leaseMs: timerMs(100).default(30_000),
    /** At most an hour: a page waits three of these before it calls the master gone, in a timer of its own. */
    heartbeatMs: int(50).max(MAX_HEARTBEAT_MS, `at most ${MAX_HEARTBEAT_MS} (1 h)`).default(10_000),
    maxAttempts: int(1).default(3),
    maxLeases: int(1).default(10),
    /** Queued jobs one lease reads at most for one worker, skipping those its identity already answered. */
    leaseScanLimit: int(1).default(1_000),
    /** The latest attempts a failed job's error lists (volunteers' attempts are not capped; a reason is up to 500 characters). */
    errorAttemptsShown: int(1).max(1_000).default(10),
    /** Most volunteers one GET /api/volunteers page may ask for. */
    maxLeaderboardPage: int(1).max(10_000).default(100),
    /** Most jobs one page of GET /api/jobs may ask for. */
    maxJobsPage: int(1).max(100_000).default(DEFAULT_MAX_JOBS_PAGE),
    /** Most workers one page of GET /api/workers may ask for: anyone may ask, and ten thousand workers are megabytes. */
    maxWorkersPage: int(1).max(100_000).default(DEFAULT_MAX_WORKERS_PAGE),
    /** Most workers GET /api/stats lists (it counts them all): anyone may poll it, and ten thousand would be megabytes each time. */
    statsWorkersShown: int(1).max(10_000).default(50),
    /** Open connections at most (HTTP, event streams, worker sockets); keep it below the process's open-file limit. */
    maxConnections: int(1).default(10_000),
    /** Open connections at most from one client address (a headless fleet on one machine counts as one address). */
    maxConnectionsPerAddress: int(1).default(256),
    /** New volunteer identities one client address (IPv6: its /64) is issued per window (identity/new-identity-rate.ts). */
    maxNewIdentitiesPerAddress: int(1).default(30),
    newIdentityWindowMs: timerMs(1_000).default(3_600_000),
    /**
     * A worker token older than this is refused (4008) and the identity's trust record and revocation are forgotten
     * once it was idle this long (identity/worker-tokens.ts, lifecycle/retention.ts). Only compared with a token's
     * age, never waited for with a timer, so not bound to a timer's 24.8 days. As long as JOB_RETENTION_MS by default:
     * a volunteer back within a month stays itself.
     */
    identityTokenMaxAgeMs: int(1_000).default(30 * 24 * 3_600_000),
    /** Client addresses (IPv6: /64s) each per-address allowance counts apart in a window; past it, new ones share one (http/counted-addresses.ts). */
    maxCountedAddresses: int(1).max(10_000_000).default(100_000),
    /** The largest request line and headers Node's parser reads (its maxHeaderSize); larger gets 431 headers-too-large. */
    maxHeaderBytes: int(1_024)
      .max(1024 * 1024)
      .default(16 * 1024),
    /** A request's headers must arrive within this. */
    headersTimeoutMs: timerMs(100).default(10_000),
    /** A whole request, body included, must arrive within this. */
    requestTimeoutMs: timerMs(100).default(300_000),
    /** An idle keep-alive connection is closed after this. */
    keepAliveTimeoutMs: timerMs(100).default(5_000),
    /** A connection on which no byte moves either way for this long, mid-request or mid-answer, is closed (event streams excepted). */
    stalledConnectionMs: timerMs(100).default(120_000),
    /** Answers in progress on one connection at most (HTTP/1.1 pipelining, which browsers never use); one more gets 429 (http/connection-limits.ts). */
    maxPipelinedRequests: int(1).max(1_000).default(8),
    /** An upload must average at least this many bytes a second over each window... */
    minBodyBytesPerSecond: int(1).default(4_096),
    /** ...of this length. */
    bodyRateWindowMs: timerMs(100).default(10_000),
    /** Uploads being received at once, in all and from one address. */
    maxUploadsInFlight: int(1).default(16),
    maxUploadsPerAddress: int(1).default(4),
    /** The largest upload request (all its files and framing), and the bytes of all uploads received at once (never less than the largest request). */
    maxUploadRequestBytes: int(1).default(64 * 1024 * 1024),
    maxUploadBytesInFlight: int(1).default(64 * 1024 * 1024),
    /** Bytes of all images being sent at once (GET /api/jobs/:id/image), each held in memory until its client takes it. */
    maxImageBytesInFlight: int(1).default(64 * 1024 * 1024),
    /** ...and to one client address (IPv6: its /64), so one address cannot take them all. */
    maxImageBytesPerAddress: int(1).default(16 * 1024 * 1024),
    /** An image response whose client takes nothing for this long is cut off, giving its bytes back. */
    imageSendStallMs: timerMs(100).default(10_000),
    /** API requests one address may make per window (probes and /metrics not counted)... */
    apiRequestsPerWindow: int(1).default(600),
    /** ...of this length. */
    apiRateWindowMs: timerMs(1_000).default(10_000),
    /** Live event streams (GET /api/events) open at once; more are refused with 503. */
    maxEventStreams: int(1).default(1000),
    /** Live event streams open at once from one client address (IPv6: its /64); more are refused with 429. */
    maxEventStreamsPerAddress: int(1).default(16),
    /** How long a board may stay behind its event stream before it is dropped (it reconnects and catches up). */
    eventStreamStallMs: timerMs(100).default(10_000),
    /** Boards wait between this and twice this, at random, before reconnecting a lost stream: after a restart they come back spread out. */
    eventReconnectMs: timerMs(100).default(5_000),
    /** Every stream hears a `keepalive` event this often (and one as it opens, saying how often): a board that hears nothing for three of these reconnects. */
    eventKeepaliveMs: int(100).max(3_600_000, 'at most 3600000 (1 h)').default(15_000),
    /** Recent live events kept so boards that fell behind or reconnected catch up. */
    eventReplayEvents: int(1).default(1000),
    /** ...and the bytes of their frames at most: one worker change can name thousands of workers (megabytes), and strangers can make one every WORKER_EVENTS_EVERY_MS. */
    eventReplayBytes: int(1).default(64 * 1024 * 1024),
    /** Boards hear of worker changes at most this often. */
    workerEventsEveryMs: timerMs(10).default(250),
    /** With a Redis URL, jobs live in Redis and several masters share them; without, the embedded store. */
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
      .optional(),
    /** With Redis Cluster node addresses (host:port,...) instead, jobs live in the cluster. */
    redisClusterNodes: z
      .string()
      .regex(/^[^\s,:]+:\d+(,[^\s,:]+:\d+)*$/, 'expected host:port pairs separated by commas, e.g. "10.0.0.1:7000,10.0.0.2:7000"')
      .transform((list) => list.split(',').map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) })))
      .optional(),
    redisPrefix: z
      .string()
      .regex(/^[^{}]+$/, 'a prefix without { or } (the store adds its own hash tag)')
      .default('grid:'),
    /** A call a Redis that is up but does not answer (hung, partitioned) has not answered within this fails, and the request that made it gets 503. */
    redisCommandTimeoutMs: timerMs(100).default(DEFAULT_COMMAND_TIMEOUT_MS),
    /** A master sharing Redis silent this long has died: the others requeue the jobs its workers held without waiting for their leases. */
    masterTimeoutMs: timerMs(100).default(5_000),
    /**
     * A master told to stop that has not closed within this exits 1, naming what it still waited for. Under the 30 s a
     * Kubernetes pod is given before SIGKILL, so the master says why it hung instead of being killed without a word.
     */
    shutdownTimeoutMs: timerMs(100).default(25_000),
    /** Partitions of the Redis queue (each its own hash tag, spread over a cluster's nodes); fixed when the store is first used. */
    queuePartitions: int(1).max(MAX_PARTITIONS, `QUEUE_PARTITIONS is at most ${MAX_PARTITIONS}`).default(1),
    /** Origins besides the master's own whose pages may change things (POST/PUT/PATCH/DELETE under /api, the worker socket). */
    allowedOrigins: z
      .string()
      .regex(/^https?:\/\/[^\s,/]+(,https?:\/\/[^\s,/]+)*$/, 'expected origins separated by commas, e.g. "https://grid.example.org,http://localhost:5173"')
      .transform((list) => list.toLowerCase().split(','))
      .optional(),
    /**
     * Reverse proxies (addresses, CIDR blocks, or loopback, linklocal, uniquelocal) whose X-Forwarded-For the master
     * believes: a client behind one counts as the address it forwarded, for every per-address limit. None by default.
     */
    trustedProxies: z
      .string()
      .transform((list) => list.split(',').map((entry) => entry.trim()))
      .refine(compilesAsProxies, 'expected addresses or CIDR blocks separated by commas, e.g. "10.0.0.5,192.168.0.0/24" (or loopback, linklocal, uniquelocal)')
      .default([]),
    /** Refused answers (forged or stale leases) after which a worker is disconnected. */
    maxRefusedMessages: int(1).default(100),
    /** Malformed messages (not JSON, not the protocol) after which a worker is disconnected. */
    maxMalformedMessages: int(1).default(5),
    /** The largest message a worker may send: answers are small JSON, so anything bigger closes the socket (1009). */
    maxWorkerMessageBytes: int(1_024)
      .max(16 * 1024 * 1024)
      .default(64 * 1024),
    /** A worker socket that has not said hello this long after opening is closed. */
    helloTimeoutMs: timerMs(100).default(10_000),
    /** Messages a second one worker socket may send (a second's worth at once); faster, it is hung up on. */
    maxWorkerMessagesPerSecond: int(1).default(2_000),
    /** Bytes a second one worker socket may send (a second's worth at once); faster, it is hung up on. */
    maxWorkerBytesPerSecond: int(1_024).default(1024 * 1024),
    /** A volunteer's display name is written at most once per this per identity, the newest winning. */
    displayNameWriteIntervalMs: timerMs(0).default(1_000),
    /**
     * One worker socket's answers waiting on the stores at once, the judging each leads to included; past it, it is hung
     * up on. At least an honest page's most: a full window of answers, and as many that crossed the master's cancel of
     * their leases (a worker is dealt no more while its answers in flight leave no room for them).
     */
    maxWorkerMessagesInFlight: int(2 * MAX_CREDIT).default(128),
    /** Bytes sent to one worker socket that it has not yet taken, beyond the job frames it holds; past it, the socket is hung up on (a client that stopped reading). */
    maxWorkerSendBufferBytes: int(1).default(16 * 1024 * 1024),
    /** A worker's refused answers are logged at most once per this interval, with a count of the rest. */
    refusedLogIntervalMs: int(0).default(10_000),
    adminToken: z.string().min(8, 'ADMIN_TOKEN must be at least 8 characters').optional(),
    /** Named API keys ("name:key,..."); when set, submitting needs one of them and the key's name owns the jobs. */
    apiKeys: z
      .string()
      .regex(
        /^[\w.-]{1,64}:[^\s,:]{16,256}(,[\w.-]{1,64}:[^\s,:]{16,256})*$/,
        'expected name:key pairs separated by commas, e.g. "lab:9f2c...,ci:77ab..." (names of letters, digits, _ . -; keys of 16 to 256 characters)',
      )
      .transform((list) => list.split(',').map((pair) => ({ name: pair.split(':')[0]!, key: pair.split(':')[1]! })))
      .refine((keys) => new Set(keys.map((k) => k.name)).size === keys.length, 'each API key needs its own name')
      .optional(),
    /** public: everyone sees every job (and its image); private: each owner sees their own, the admin sees all. */
    board: z.enum(['public', 'private'], { error: 'BOARD must be public or private' }).default('public'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // ---- trust: who workers are and how far their answers count (issue 9) ----
    /** Signs worker identity tokens and (with a key derived from it) owner keys; masters sharing a store must share it. Unset: one is made and kept in the store. */
    workerTokenSecret: z.string().min(32, 'WORKER_TOKEN_SECRET must be at least 32 characters').optional(),
    /**
     * The operator's fleet presents it to be trusted; unset, one is made from the secret and logged in the operator's
     * worker page; `off` (null here): none, no worker is trusted.
     */
    fleetToken: z.preprocess(
      (given) => (given === 'off' ? null : given),
      z
        .string()
        .min(FLEET_TOKEN_LENGTH.min, `FLEET_TOKEN must be at least ${FLEET_TOKEN_LENGTH.min} characters (or off)`)
        .max(FLEET_TOKEN_LENGTH.max)
        .nullable()
        .optional(),
    ),
    /** Distinct volunteer identities that must say a job cannot be processed before it goes to trusted workers only (a trusted worker's word fails it). */
    failureQuorum: int(1).default(2),
    /** Spot-check images and their answers (gold.csv); unset, no spot checks. */
    goldDir: z.string().optional(),
    /** The answers file; default `<goldDir>/gold.csv`. */
    goldAnswers: z.string().optional(),
    /** The share of jobs handed to volunteers that are spot checks. */
    goldFraction: fraction.default(0.05),
    /** The same for a volunteer whose answer cannot settle a job alone yet (credibility below 1 − targetError); never below goldFraction. */
    goldFractionNew: fraction.default(0.05),
    /** Spot checks encoded ahead, so handing one out never waits on the encoder (trust/gold-pool.ts); 0: each encoded when handed out. */
    goldPoolSize: int(0).max(1_000).default(8),
    /** A job's answer is final when its credibility reaches 1 − this. */
    targetError: fraction.default(0.001),
    /** The assumed upper bound on the share of volunteer identities that are saboteurs. */
    saboteurFraction: fraction.default(0.1),
    /** Most answers (replicas) one job may collect before it ends without a credible answer. */
    maxReplicas: int(1).default(5),
    /**
     * Most volunteer answers one job may hold, those of identities blacklisted since they answered included: past it the
     * job goes to a trusted worker or ends unverified (trust/verification.ts), and no volunteer is leased it again.
     */
    maxAnswersPerJob: int(1).default(DEFAULT_MAX_ANSWERS_PER_JOB),
    /** A volunteer's answer whose top-1 leads the second by less than this never settles a job alone (trust/close-calls.ts); 0: off. */
    closeCallMargin: probabilityGap.default(0.1),
    /** The same for an answer computed in fp32 (trust/close-calls.ts: fp32 backends agree to the fifth decimal); never above closeCallMargin. */
    closeCallMarginFp32: probabilityGap.default(0.001),
    /** Spot checks a volunteer identity must have passed before its answers count toward a verdict (trust/verification.ts); 0: from its first answer. */
    minChecksToVerify: int(0).max(1_000).default(1),
    /** Volunteer identities from one network whose answers count toward a job's verdict: its most checked ones (trust/verification.ts). */
    maxVotersPerNetwork: int(1).max(1_000).default(1),
    /** Jobs a volunteer's session voted on (the newest) that are decided again when it passes a spot check (lifecycle/waiting-votes.ts). */
    maxWaitingVotes: int(0).max(1_000).default(32),
    /** A volunteer outvoted in more than this share of its judged answers (once it has OUTVOTED_MIN_ANSWERS) is blacklisted. */
    maxOutvotedShare: fraction.default(0.25),
    outvotedMinAnswers: int(1).default(20),
  })
  .refine((config) => !(config.redisUrl && config.redisClusterNodes), {
    path: ['redisClusterNodes'],
    message: 'set REDIS_URL or REDIS_CLUSTER_NODES, not both',
  })
  .refine((config) => config.queuePartitions === 1 || config.redisUrl || config.redisClusterNodes, {
    path: ['queuePartitions'],
    message: 'QUEUE_PARTITIONS above 1 needs a Redis store (REDIS_URL or REDIS_CLUSTER_NODES): the embedded store is one queue',
  })
  .refine((config) => config.queuePartitions === 1 || config.maxPendingJobs / config.queuePartitions >= config.maxFilesPerUpload, {
    path: ['queuePartitions'],
    message:
      'each queue partition admits its share of MAX_PENDING_JOBS and takes a request whole, so MAX_PENDING_JOBS must be at least QUEUE_PARTITIONS × MAX_FILES_PER_UPLOAD',
  })
  .superRefine((config, ctx) => {
    if (config.jobRetentionMs >= config.imageRetentionMs) return;
    ctx.addIssue({
      code: 'custom',
      path: ['jobRetentionMs'],
      message: `${config.jobRetentionMs} ms is shorter than IMAGE_RETENTION_MS (${config.imageRetentionMs} ms); a job keeps its result after its image is deleted, so it must be kept at least as long`,
    });
  })
  .refine((config) => config.maxImageBytesInFlight >= config.maxUploadBytes, {
    path: ['maxImageBytesInFlight'],
    message: 'must be at least MAX_UPLOAD_BYTES, or the largest images could never be sent',
  })
  .refine((config) => config.maxImageBytesPerAddress >= config.maxUploadBytes, {
    path: ['maxImageBytesPerAddress'],
    message: 'must be at least MAX_UPLOAD_BYTES, or the largest images could never be sent',
  })
  .refine((config) => config.maxWorkerSendBufferBytes >= config.maxUploadBytes, {
    path: ['maxWorkerSendBufferBytes'],
    message: 'must be at least MAX_UPLOAD_BYTES, or a worker still taking one of the largest images when its job is taken back would be hung up on',
  })
  .refine((config) => config.maxWorkerBytesPerSecond >= config.maxWorkerMessageBytes, {
    path: ['maxWorkerBytesPerSecond'],
    message: 'must be at least MAX_WORKER_MESSAGE_BYTES, or the largest message a worker may send would hang it up',
  })
  .refine((config) => config.maxUploadBytes <= config.maxUploadRequestBytes, {
    path: ['maxUploadBytes'],
    message: 'must be at most MAX_UPLOAD_REQUEST_BYTES: a file larger than any upload request could never be uploaded',
  })
  .refine((config) => config.maxUploadRequestBytes <= config.maxUploadBytesInFlight, {
    path: ['maxUploadRequestBytes'],
    message:
      'must be at most MAX_UPLOAD_BYTES_IN_FLIGHT: a request larger than every upload in flight together could never be taken, and would get 503 too-many-uploads forever',
  })
  .refine((config) => config.identityTokenMaxAgeMs >= 4 * config.heartbeatMs, {
    path: ['identityTokenMaxAgeMs'],
    message: "must be at least 4 × HEARTBEAT_MS: a connected page's token is renewed at a heartbeat a quarter of it old, so it could expire first",
  })
  .refine((config) => config.headersTimeoutMs <= config.requestTimeoutMs, {
    path: ['headersTimeoutMs'],
    message: 'the headers must be allowed no longer than the whole request (REQUEST_TIMEOUT_MS)',
  })
  .superRefine((config, ctx) => {
    if (config.maxAnswersPerJob >= config.maxReplicas) return;
    ctx.addIssue({
      code: 'custom',
      path: ['maxAnswersPerJob'],
      message: `${config.maxAnswersPerJob} is below MAX_REPLICAS (${config.maxReplicas}); it counts every volunteer answer a job holds, those of blacklisted identities included, so it must be at least MAX_REPLICAS or a job could never collect the answers MAX_REPLICAS allows`,
    });
  })
  .refine((config) => config.goldDir !== undefined || config.goldAnswers === undefined, {
    path: ['goldAnswers'],
    message: 'GOLD_ANSWERS names images in GOLD_DIR: set GOLD_DIR too',
  })
  .transform((config) => ({ ...config, goldAnswers: config.goldAnswers ?? (config.goldDir && path.join(config.goldDir, 'gold.csv')) }));
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Validates a partial config (from code or tests) and fills in defaults. */
export function makeConfig(input: Partial<Record<keyof Config, unknown>>): Config {
  const parsed = ConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0]);
    const option = OPTIONS.find(([, , k]) => k === key);
    const where = option ? `${option[0].split(' ')[0]} / ${option[1]}` : key;
    return `  ${where}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const program = new Command('master').description('Image-recognition master: jobs in, browser workers out');
  for (const [flag, envName, , help] of OPTIONS) program.option(flag, `${help} [env ${envName}]`);
  program.parse(argv);
  const flags = program.opts<Record<string, string | undefined>>();
  const input: Partial<Record<keyof Config, unknown>> = {};
  for (const [, envName, key] of OPTIONS) {
    const value = flags[key] ?? env[envName];
    if (value !== undefined && value !== '') input[key] = value;
  }
  return makeConfig(input);
}
