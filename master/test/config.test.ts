import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPTIONS } from '../config-options.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { projectRoot } from '../project-root.ts';

const argv = (...flags: string[]) => ['node', 'master', ...flags];

describe('configuration', () => {
  it('takes defaults, then environment, then flags', () => {
    expect(loadConfig(argv(), {}).port).toBe(5000);
    expect(loadConfig(argv(), { PORT: '6000' }).port).toBe(6000);
    expect(loadConfig(argv('--port', '7000'), { PORT: '6000' }).port).toBe(7000);
    expect(loadConfig(argv(), { MODEL_INPUT_RANGE: '0,1' }).modelInputRange).toEqual([0, 1]);
    expect(loadConfig(argv(), {}).redisUrl).toBeUndefined();
    expect(loadConfig(argv(), {}).idempotencyTtlMs).toBe(24 * 3_600_000);
    expect(loadConfig(argv(), {}).shutdownTimeoutMs).toBe(25_000);
    expect(loadConfig(argv(), { REDIS_CLUSTER_NODES: '10.0.0.1:7000,redis-b:7001' }).redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
    ]);
  });

  it('refuses two Redis targets, a cluster list it cannot read, and a prefix with a hash tag of its own', () => {
    const both = { REDIS_URL: 'redis://a:6379', REDIS_CLUSTER_NODES: 'b:7000' };
    expect(() => loadConfig(argv(), both)).toThrow(/REDIS_CLUSTER_NODES: set REDIS_URL or REDIS_CLUSTER_NODES, not both/);
    expect(() => loadConfig(argv(), { REDIS_CLUSTER_NODES: 'b' })).toThrow(/--redis-cluster-nodes \/ REDIS_CLUSTER_NODES: expected host:port/);
    expect(() => loadConfig(argv(), { REDIS_PREFIX: 'grid:{x}:' })).toThrow(/REDIS_PREFIX: a prefix without \{ or \}/);
  });

  it('trusts no proxy by default, reads a list of addresses, blocks and names, and refuses one it cannot read', () => {
    expect(loadConfig(argv(), {}).trustedProxies).toEqual([]);
    expect(loadConfig(argv(), { TRUSTED_PROXIES: '10.0.0.5, 192.168.0.0/24,loopback' }).trustedProxies).toEqual(['10.0.0.5', '192.168.0.0/24', 'loopback']);
    for (const bad of ['proxy.example.org', '10.0.0.0/33', '10.0.0.5,'])
      expect(() => loadConfig(argv(), { TRUSTED_PROXIES: bad }), bad).toThrow(/TRUSTED_PROXIES: expected addresses or CIDR blocks separated by commas/);
  });

  it('partitions only a Redis queue, at most 64, each with room for a whole request', () => {
    expect(loadConfig(argv(), {}).queuePartitions).toBe(1);
    expect(loadConfig(argv('--queue-partitions', '8'), { REDIS_URL: 'redis://a:6379' }).queuePartitions).toBe(8);
    expect(() => loadConfig(argv(), { QUEUE_PARTITIONS: '4' })).toThrow(/QUEUE_PARTITIONS: QUEUE_PARTITIONS above 1 needs a Redis store/);
    expect(() => loadConfig(argv(), { QUEUE_PARTITIONS: '65', REDIS_URL: 'redis://a:6379' })).toThrow(/QUEUE_PARTITIONS is at most 64/);
    expect(() => loadConfig(argv(), { QUEUE_PARTITIONS: '0', REDIS_URL: 'redis://a:6379' })).toThrow(/--queue-partitions \/ QUEUE_PARTITIONS/);
    const crowded = { QUEUE_PARTITIONS: '4', REDIS_URL: 'redis://a:6379', MAX_PENDING_JOBS: '399', MAX_FILES_PER_UPLOAD: '100' };
    expect(() => loadConfig(argv(), crowded)).toThrow(/MAX_PENDING_JOBS must be at least QUEUE_PARTITIONS × MAX_FILES_PER_UPLOAD/);
    expect(loadConfig(argv(), { ...crowded, MAX_PENDING_JOBS: '400' }).queuePartitions).toBe(4);
    // One queue may be smaller than a request: the request is refused whole, as with any queue too full for it.
    expect(loadConfig(argv(), { MAX_PENDING_JOBS: '2' }).maxPendingJobs).toBe(2);
  });

  it('names the flag and the variable of every invalid setting', () => {
    let error: unknown;
    try {
      loadConfig(argv('--lease-ms', 'soon'), { PORT: '99999', REDIS_URL: 'localhost:6379' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('--port / PORT');
    expect(message).toContain('--lease-ms / LEASE_MS');
    expect(message).toContain('--redis-url / REDIS_URL');
  });

  it('refuses a wait longer than a timer can keep, naming the longest', () => {
    expect(loadConfig(argv(), { LEASE_MS: String(2 ** 31 - 1) }).leaseMs).toBe(2 ** 31 - 1);
    expect(() => loadConfig(argv(), { LEASE_MS: String(2 ** 31) })).toThrow(/--lease-ms \/ LEASE_MS: at most 2147483647 ms/);
    expect(() => loadConfig(argv(), { KEEP_ALIVE_TIMEOUT_MS: '3000000000' })).toThrow(/KEEP_ALIVE_TIMEOUT_MS: at most 2147483647 ms/);
    // The request and identity rate windows are timers too (rate-limiter-flexible keeps its counts in one).
    expect(() => loadConfig(argv(), { API_RATE_WINDOW_MS: '3000000000' })).toThrow(/API_RATE_WINDOW_MS: at most 2147483647 ms/);
    expect(() => loadConfig(argv(), { NEW_IDENTITY_WINDOW_MS: '3000000000' })).toThrow(/NEW_IDENTITY_WINDOW_MS: at most 2147483647 ms/);
    expect(() => loadConfig(argv(), { SHUTDOWN_TIMEOUT_MS: String(2 ** 31) })).toThrow(/SHUTDOWN_TIMEOUT_MS: at most 2147483647 ms/);
    expect(loadConfig(argv(), { HEARTBEAT_MS: '3600000' }).heartbeatMs).toBe(3_600_000);
    expect(() => loadConfig(argv(), { HEARTBEAT_MS: '3600001' })).toThrow(/HEARTBEAT_MS: at most 3600000 \(1 h\)/);
    // A board waits three keepalives before it calls its stream dead: that wait must still be a timer's.
    expect(loadConfig(argv(), {}).eventKeepaliveMs).toBe(15_000);
    expect(() => loadConfig(argv(), { EVENT_KEEPALIVE_MS: '3600001' })).toThrow(/EVENT_KEEPALIVE_MS: at most 3600000 \(1 h\)/);
    expect(() => loadConfig(argv(), { EVENT_KEEPALIVE_MS: '99' })).toThrow(/EVENT_KEEPALIVE_MS/);
  });

  it('refuses an upload request larger than every upload in flight may be together, which could never be taken', () => {
    const defaults = loadConfig(argv(), {});
    expect(defaults.maxUploadRequestBytes).toBeLessThanOrEqual(defaults.maxUploadBytesInFlight);
    const small = { MAX_UPLOAD_BYTES: '1000', MAX_UPLOAD_REQUEST_BYTES: '1000', MAX_UPLOAD_BYTES_IN_FLIGHT: '1000' };
    expect(loadConfig(argv(), small).maxUploadRequestBytes).toBe(1000);
    expect(() => loadConfig(argv(), { ...small, MAX_UPLOAD_REQUEST_BYTES: '1001' })).toThrow(
      /--max-upload-request-bytes \/ MAX_UPLOAD_REQUEST_BYTES: must be at most MAX_UPLOAD_BYTES_IN_FLIGHT/,
    );
    expect(() => loadConfig(argv(), { MAX_UPLOAD_BYTES_IN_FLIGHT: String(32 * 1024 * 1024) })).toThrow(/must be at most MAX_UPLOAD_BYTES_IN_FLIGHT/);
  });

  it('refuses a file limit larger than an upload request may be, which no file could reach', () => {
    expect(loadConfig(argv(), { MAX_UPLOAD_BYTES: '1000', MAX_UPLOAD_REQUEST_BYTES: '1000' }).maxUploadBytes).toBe(1000);
    expect(() => loadConfig(argv(), { MAX_UPLOAD_BYTES: '1001', MAX_UPLOAD_REQUEST_BYTES: '1000' })).toThrow(
      /--max-upload-bytes \/ MAX_UPLOAD_BYTES: must be at most MAX_UPLOAD_REQUEST_BYTES/,
    );
  });

  it('refuses a model input range that is reversed or empty, which would scale every image wrong', () => {
    expect(loadConfig(argv(), { MODEL_INPUT_RANGE: '-1,1' }).modelInputRange).toEqual([-1, 1]);
    expect(() => loadConfig(argv(), { MODEL_INPUT_RANGE: '1,-1' })).toThrow(/MODEL_INPUT_RANGE: expected min below max/);
    expect(() => loadConfig(argv(), { MODEL_INPUT_RANGE: '0,0' })).toThrow(/MODEL_INPUT_RANGE: expected min below max/);
  });

  it('sends at most 64 MiB of images at once, 16 MiB to one address, cutting off a response stalled 10 s, and refuses a budget smaller than one upload could be', () => {
    const defaults = loadConfig(argv(), {});
    expect([defaults.maxImageBytesInFlight, defaults.maxImageBytesPerAddress, defaults.imageSendStallMs]).toEqual([64 * 1024 * 1024, 16 * 1024 * 1024, 10_000]);
    const tight = { MAX_UPLOAD_BYTES: '1000', MAX_IMAGE_BYTES_IN_FLIGHT: '1000', MAX_IMAGE_BYTES_PER_ADDRESS: '1000' };
    expect(loadConfig(argv(), tight)).toMatchObject({ maxImageBytesInFlight: 1000, maxImageBytesPerAddress: 1000 });
    expect(() => loadConfig(argv(), { ...tight, MAX_UPLOAD_BYTES: '1001', MAX_IMAGE_BYTES_PER_ADDRESS: '2000' })).toThrow(
      /--max-image-bytes-in-flight \/ MAX_IMAGE_BYTES_IN_FLIGHT: must be at least MAX_UPLOAD_BYTES/,
    );
    expect(() => loadConfig(argv(), { ...tight, MAX_UPLOAD_BYTES: '1001', MAX_IMAGE_BYTES_IN_FLIGHT: '2000' })).toThrow(
      /--max-image-bytes-per-address \/ MAX_IMAGE_BYTES_PER_ADDRESS: must be at least MAX_UPLOAD_BYTES/,
    );
    expect(() => loadConfig(argv(), { IMAGE_SEND_STALL_MS: String(2 ** 31) })).toThrow(/IMAGE_SEND_STALL_MS: at most 2147483647 ms/);
  });

  it('writes a volunteer’s display name at most once a second per identity', () => {
    expect(loadConfig(argv(), {}).displayNameWriteIntervalMs).toBe(1_000);
    expect(loadConfig(argv(), { DISPLAY_NAME_WRITE_INTERVAL_MS: '0' }).displayNameWriteIntervalMs).toBe(0);
  });

  it('hangs up on a worker with more than 128 messages in flight, and refuses a bound that an honest page could reach', () => {
    expect(loadConfig(argv(), {}).maxWorkerMessagesInFlight).toBe(128);
    expect(loadConfig(argv(), { MAX_WORKER_MESSAGES_IN_FLIGHT: '64' }).maxWorkerMessagesInFlight).toBe(64);
    expect(() => loadConfig(argv(), { MAX_WORKER_MESSAGES_IN_FLIGHT: '63' })).toThrow(/MAX_WORKER_MESSAGES_IN_FLIGHT/);
  });

  it('hangs up on a worker with 16 MiB unread, and refuses a bound smaller than one upload could be', () => {
    expect(loadConfig(argv(), {}).maxWorkerSendBufferBytes).toBe(16 * 1024 * 1024);
    expect(loadConfig(argv(), { MAX_UPLOAD_BYTES: '1000', MAX_WORKER_SEND_BUFFER_BYTES: '1000' }).maxWorkerSendBufferBytes).toBe(1000);
    expect(() => loadConfig(argv(), { MAX_UPLOAD_BYTES: '1001', MAX_WORKER_SEND_BUFFER_BYTES: '1000' })).toThrow(
      /--max-worker-send-buffer-bytes \/ MAX_WORKER_SEND_BUFFER_BYTES: must be at least MAX_UPLOAD_BYTES/,
    );
  });

  it('keeps 1000 recent events for boards catching up, and 64 MiB of their frames at most', () => {
    const defaults = loadConfig(argv(), {});
    expect([defaults.eventReplayEvents, defaults.eventReplayBytes]).toEqual([1000, 64 * 1024 * 1024]);
    expect(loadConfig(argv('--event-replay-bytes', '2048'), { EVENT_REPLAY_BYTES: '1024' }).eventReplayBytes).toBe(2048);
    expect(() => loadConfig(argv(), { EVENT_REPLAY_BYTES: '0' })).toThrow(/--event-replay-bytes \/ EVENT_REPLAY_BYTES/);
  });

  it('takes the trust settings, refusing a secret or fleet token too short to be safe', () => {
    const defaults = loadConfig(argv(), {});
    expect([defaults.workerTokenSecret, defaults.fleetToken]).toEqual([undefined, undefined]);
    expect(loadConfig(argv('--fleet-token', 'f'.repeat(16)), { WORKER_TOKEN_SECRET: 's'.repeat(32) })).toMatchObject({
      workerTokenSecret: 's'.repeat(32),
      fleetToken: 'f'.repeat(16),
    });
    expect(() => loadConfig(argv(), { WORKER_TOKEN_SECRET: 'short' })).toThrow(
      /--worker-token-secret \/ WORKER_TOKEN_SECRET: WORKER_TOKEN_SECRET must be at least 32/,
    );
    expect(() => loadConfig(argv(), { FLEET_TOKEN: 'short' })).toThrow(/--fleet-token \/ FLEET_TOKEN: FLEET_TOKEN must be at least 16/);
    // off: no fleet token at all, none made from the secret.
    expect(loadConfig(argv(), { FLEET_TOKEN: 'off' }).fleetToken).toBeNull();
    expect(defaults).toMatchObject({ maxNewIdentitiesPerAddress: 30, newIdentityWindowMs: 3_600_000 });
    expect(loadConfig(argv('--max-new-identities-per-address', '5'), { NEW_IDENTITY_WINDOW_MS: '60000' })).toMatchObject({
      maxNewIdentitiesPerAddress: 5,
      newIdentityWindowMs: 60_000,
    });
    expect(() => loadConfig(argv(), { MAX_NEW_IDENTITIES_PER_ADDRESS: '0' })).toThrow(/--max-new-identities-per-address \/ MAX_NEW_IDENTITIES_PER_ADDRESS/);
  });

  it('takes the access settings: a public board and no API keys unless set, keys as name:key pairs long enough to be safe', () => {
    const defaults = loadConfig(argv(), {});
    expect([defaults.board, defaults.apiKeys]).toEqual(['public', undefined]);
    expect(loadConfig(argv('--board', 'private'), {}).board).toBe('private');
    expect(loadConfig(argv(), { API_KEYS: 'lab:0123456789abcdef,ci-2:fedcba9876543210' }).apiKeys).toEqual([
      { name: 'lab', key: '0123456789abcdef' },
      { name: 'ci-2', key: 'fedcba9876543210' },
    ]);
    expect(() => loadConfig(argv(), { BOARD: 'secret' })).toThrow(/--board \/ BOARD: BOARD must be public or private/);
    expect(() => loadConfig(argv(), { API_KEYS: 'lab:short' })).toThrow(/--api-keys \/ API_KEYS: expected name:key pairs/);
    expect(() => loadConfig(argv(), { API_KEYS: 'a b:0123456789abcdef' })).toThrow(/API_KEYS: expected name:key pairs/);
    expect(() => loadConfig(argv(), { API_KEYS: 'lab:0123456789abcdef,lab:fedcba9876543210' })).toThrow(/API_KEYS: each API key needs its own name/);
  });

  it('takes the verification settings: no spot checks unless GOLD_DIR is set, answers beside the images by default, probabilities strictly between 0 and 1', () => {
    const defaults = loadConfig(argv(), {});
    expect(defaults).toMatchObject({
      leaseScanLimit: 1_000,
      errorAttemptsShown: 10,
      goldFraction: 0.05,
      goldFractionNew: 0.05,
      goldPoolSize: 8,
      targetError: 0.001,
      saboteurFraction: 0.1,
      maxReplicas: 5,
      maxAnswersPerJob: 20,
      closeCallMargin: 0.1,
      closeCallMarginFp32: 0.001,
      minChecksToVerify: 1,
      maxVotersPerNetwork: 1,
      maxWaitingVotes: 32,
      maxOutvotedShare: 0.25,
      outvotedMinAnswers: 20,
    });
    expect([defaults.goldDir, defaults.goldAnswers]).toEqual([undefined, undefined]);
    expect(loadConfig(argv('--gold-dir', '/srv/gold'), {})).toMatchObject({ goldDir: '/srv/gold', goldAnswers: '/srv/gold/gold.csv' });
    expect(loadConfig(argv(), { GOLD_DIR: '/srv/gold', GOLD_ANSWERS: '/tmp/answers.csv' }).goldAnswers).toBe('/tmp/answers.csv');
    expect(
      loadConfig(argv('--target-error', '0.0001'), {
        GOLD_FRACTION: '0.1',
        GOLD_FRACTION_NEW: '0.4',
        GOLD_POOL_SIZE: '0',
        SABOTEUR_FRACTION: '0.2',
        MAX_REPLICAS: '7',
        MAX_WAITING_VOTES: '0',
        CLOSE_CALL_MARGIN: '0',
        CLOSE_CALL_MARGIN_FP32: '0.01',
      }),
    ).toMatchObject({
      targetError: 0.0001,
      goldFraction: 0.1,
      goldFractionNew: 0.4,
      goldPoolSize: 0,
      saboteurFraction: 0.2,
      maxReplicas: 7,
      maxWaitingVotes: 0,
      closeCallMargin: 0,
      closeCallMarginFp32: 0.01,
    });
    expect(() => loadConfig(argv(), { GOLD_ANSWERS: '/tmp/answers.csv' })).toThrow(/--gold-answers \/ GOLD_ANSWERS: GOLD_ANSWERS names images in GOLD_DIR/);
    expect(() => loadConfig(argv(), { TARGET_ERROR: '0' })).toThrow(/--target-error \/ TARGET_ERROR: expected a number above 0/);
    expect(() => loadConfig(argv(), { SABOTEUR_FRACTION: '1' })).toThrow(/--saboteur-fraction \/ SABOTEUR_FRACTION: expected a number below 1/);
    expect(() => loadConfig(argv(), { GOLD_FRACTION: 'some' })).toThrow(/--gold-fraction \/ GOLD_FRACTION/);
    expect(() => loadConfig(argv(), { MAX_REPLICAS: '0' })).toThrow(/--max-replicas \/ MAX_REPLICAS/);
    expect(loadConfig(argv('--max-answers-per-job', '7'), { MAX_REPLICAS: '7' })).toMatchObject({ maxReplicas: 7, maxAnswersPerJob: 7 });
    expect(loadConfig(argv(), { MAX_ANSWERS_PER_JOB: '40' }).maxAnswersPerJob).toBe(40);
    // It counts every answer MAX_REPLICAS does, and those of identities blacklisted since: below it, it would cut MAX_REPLICAS short.
    expect(() => loadConfig(argv(), { MAX_REPLICAS: '7', MAX_ANSWERS_PER_JOB: '6' })).toThrow(
      /--max-answers-per-job \/ MAX_ANSWERS_PER_JOB: 6 is below MAX_REPLICAS \(7\)/,
    );
    expect(() => loadConfig(argv(), { MAX_REPLICAS: '21' })).toThrow(/MAX_ANSWERS_PER_JOB: 20 is below MAX_REPLICAS \(21\)/);
    expect(() => loadConfig(argv(), { MAX_ANSWERS_PER_JOB: '0' })).toThrow(/--max-answers-per-job \/ MAX_ANSWERS_PER_JOB/);
    expect(() => loadConfig(argv(), { GOLD_POOL_SIZE: '-1' })).toThrow(/--gold-pool-size \/ GOLD_POOL_SIZE/);
    expect(() => loadConfig(argv(), { GOLD_POOL_SIZE: '1001' })).toThrow(/--gold-pool-size \/ GOLD_POOL_SIZE/);
    expect(() => loadConfig(argv(), { MAX_WAITING_VOTES: '-1' })).toThrow(/--max-waiting-votes \/ MAX_WAITING_VOTES/);
    expect(() => loadConfig(argv(), { MAX_WAITING_VOTES: '1001' })).toThrow(/--max-waiting-votes \/ MAX_WAITING_VOTES/);
    expect(() => loadConfig(argv(), { CLOSE_CALL_MARGIN: '1.5' })).toThrow(/--close-call-margin \/ CLOSE_CALL_MARGIN: expected a number from 0 to 1/);
  });

  it('takes the retention settings: images for a day after their job ended, jobs for 30 days, never a job shorter than its image', () => {
    expect(loadConfig(argv(), {})).toMatchObject({
      imageRetentionMs: 86_400_000,
      jobRetentionMs: 30 * 86_400_000,
      retentionBatch: 500,
      retentionSweepMs: 60_000,
    });
    expect(loadConfig(argv('--image-retention-ms', '1000'), { JOB_RETENTION_MS: '1000', RETENTION_BATCH: '10', RETENTION_SWEEP_MS: '50' })).toMatchObject({
      imageRetentionMs: 1000,
      jobRetentionMs: 1000,
      retentionBatch: 10,
      retentionSweepMs: 50,
    });
    expect(() => loadConfig(argv(), { JOB_RETENTION_MS: '3600000' })).toThrow(
      /--job-retention-ms \/ JOB_RETENTION_MS: 3600000 ms is shorter than IMAGE_RETENTION_MS \(86400000 ms\)/,
    );
    expect(() => loadConfig(argv(), { IMAGE_RETENTION_MS: '0' })).toThrow(/--image-retention-ms \/ IMAGE_RETENTION_MS/);
    expect(() => loadConfig(argv(), { RETENTION_BATCH: '0' })).toThrow(/--retention-batch \/ RETENTION_BATCH/);
  });

  it('expires worker tokens unused for 30 days unless set: at least a second and four heartbeats, and longer than a timer could wait, as it is only compared', () => {
    expect(loadConfig(argv(), {}).identityTokenMaxAgeMs).toBe(30 * 86_400_000);
    expect(loadConfig(argv(), { IDENTITY_TOKEN_MAX_AGE_MS: String(365 * 86_400_000) }).identityTokenMaxAgeMs).toBe(365 * 86_400_000);
    expect(loadConfig(argv('--identity-token-max-age-ms', '1000'), { HEARTBEAT_MS: '250' }).identityTokenMaxAgeMs).toBe(1_000);
    expect(() => loadConfig(argv(), { IDENTITY_TOKEN_MAX_AGE_MS: '999' })).toThrow(/--identity-token-max-age-ms \/ IDENTITY_TOKEN_MAX_AGE_MS/);
    // A connected page's token is renewed only at a heartbeat: with fewer than four in a max age, it could expire first.
    expect(() => loadConfig(argv(), { IDENTITY_TOKEN_MAX_AGE_MS: '1000', HEARTBEAT_MS: '251' })).toThrow(
      /--identity-token-max-age-ms \/ IDENTITY_TOKEN_MAX_AGE_MS: must be at least 4 × HEARTBEAT_MS/,
    );
  });

  it('bounds the image files a delete could not remove that the embedded store remembers: 10,000 unless set', () => {
    expect(loadConfig(argv(), {}).maxUndeletedImages).toBe(10_000);
    expect(loadConfig(argv(), { MAX_UNDELETED_IMAGES: '50' }).maxUndeletedImages).toBe(50);
    expect(loadConfig(argv('--max-undeleted-images', '7'), {}).maxUndeletedImages).toBe(7);
    expect(() => loadConfig(argv(), { MAX_UNDELETED_IMAGES: '0' })).toThrow(/--max-undeleted-images \/ MAX_UNDELETED_IMAGES/);
  });

  it("is documented whole: the README's settings table names every variable the master reads, and no other", () => {
    const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const rows = readme.split('| variable | default | meaning |\n|---|---|---|\n')[1]!.split('\n');
    const firstCells = rows
      .slice(
        0,
        rows.findIndex((row) => !row.startsWith('|')),
      )
      .map((row) => row.split('|')[1]!);
    const documented = firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]!));
    expect(documented.sort()).toEqual(OPTIONS.map(([, envName]) => envName).sort());
  });
});
