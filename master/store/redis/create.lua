-- KEYS: the store's keys, then per job its `incoming` key, holding the image uploaded for it, then per job its
--       prepared image's `incoming` key (redis-image-store.ts), in the same order.
-- ARGV: now, idempotency key ('' for none; already scoped to the owner), idempotency TTL in ms, max pending jobs (of
--       this partition), the request's digest (request-digest.ts), the owner ('' for none), the first job's submission
--       number when the store has several partitions (taken beforehand from its one counter, so that numbers order
--       jobs across partitions; the rest follow it), or '' with one (SEQ is the counter), then per job: id, file name, content type, trusted only (1 or 0), the prepared image's content type ('' when
--       it has none: workers get the original).
-- Returns {'created' or 'replayed', {job JSON...}}, a replay listing the jobs the key created that still exist;
-- {'key-reused'} when the key was first used with another digest; {'queue-full'} when the queued and leased
-- jobs would pass the limit; or {'image-expired'} when an uploaded image is no longer there. A refusal stores
-- nothing and leaves the incoming images to the caller; a create moves them into IMAGES and PREPARED.
local now, idempotency, ttl, max_pending, digest = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local owner = ARGV[6] ~= '' and ARGV[6] or nil
local first_seq = ARGV[7] ~= '' and tonumber(ARGV[7]) or nil
local FIRST_JOB_ARG, FIRST_IMAGE_KEY = 8, FIRST_EXTRA_KEY
local ARGS_PER_JOB = 5
local job_count = (#ARGV - FIRST_JOB_ARG + 1) / ARGS_PER_JOB
local function prepared_type(n)
  local given = ARGV[FIRST_JOB_ARG + ARGS_PER_JOB * n + 4]
  return given ~= '' and given or nil
end

-- Forget a bounded number of expired keys per create (retention forgets the rest: forget-idempotency.lua); a lookup
-- ignores the expired ones not forgotten yet.
local expired = redis.call('ZRANGEBYSCORE', IDEMPOTENCY_AGE, '-inf', now - ttl, 'LIMIT', 0, 100)
if #expired > 0 then
  redis.call('HDEL', IDEMPOTENCY, unpack(expired))
  redis.call('ZREM', IDEMPOTENCY_AGE, unpack(expired))
end
local first_used = idempotency ~= '' and redis.call('ZSCORE', IDEMPOTENCY_AGE, idempotency)
if first_used and tonumber(first_used) > now - ttl then
  -- {ids, digest}; a key stored before digests were kept is a bare list of ids, and replays without comparing.
  local known = cjson.decode(redis.call('HGET', IDEMPOTENCY, idempotency))
  if known.digest and known.digest ~= digest then return { 'key-reused' } end
  local jobs = {}
  for _, id in ipairs(known.ids or known) do
    local json = redis.call('HGET', JOBS, id)
    if json then jobs[#jobs + 1] = json end
  end
  return { 'replayed', jobs }
end

if redis.call('ZCARD', STATUS.queued) + redis.call('ZCARD', STATUS.leased) + job_count > max_pending then
  return { 'queue-full' }
end
for n = 0, job_count - 1 do
  if redis.call('EXISTS', KEYS[FIRST_IMAGE_KEY + n]) == 0 then return { 'image-expired' } end
  if prepared_type(n) and redis.call('EXISTS', KEYS[FIRST_IMAGE_KEY + job_count + n]) == 0 then return { 'image-expired' } end
end
local ids, jobs = {}, {}
for n = 0, job_count - 1 do
  local i, incoming = FIRST_JOB_ARG + ARGS_PER_JOB * n, KEYS[FIRST_IMAGE_KEY + n]
  local id, image = ARGV[i], redis.call('GET', incoming)
  local job = { seq = first_seq and first_seq + n or redis.call('INCR', SEQ), id = id, status = 'queued', attempts = 0, failures = 0, votes = 0,
    file_name = ARGV[i + 1], content_type = ARGV[i + 2], size = #image, submitted_at = ARGV[1], queued_at = ARGV[1], owner = owner,
    trusted_only = tonumber(ARGV[i + 3]), prepared_type = prepared_type(n) }
  jobs[#jobs + 1] = save_job(job)
  if owner then
    redis.call('ZADD', BY_OWNER, 0, owner_member(job))
    redis.call('ZADD', BY_OWNER_STATUS, 0, owner_member(job, 'queued'))
  end
  redis.call('HSET', IMAGES, id, image)
  redis.call('DEL', incoming)
  if job.prepared_type then
    local prepared = KEYS[FIRST_IMAGE_KEY + job_count + n]
    redis.call('HSET', PREPARED, id, redis.call('GET', prepared))
    redis.call('DEL', prepared)
  end
  redis.call('ZADD', ORDER, job.seq, id)
  redis.call('ZADD', STATUS.queued, job.seq, id)
  if job.trusted_only ~= 1 then redis.call('ZADD', OPEN_QUEUE, job.seq, id) end
  ids[#ids + 1] = id
end
if idempotency ~= '' then
  redis.call('HSET', IDEMPOTENCY, idempotency, cjson.encode({ ids = ids, digest = digest }))
  redis.call('ZADD', IDEMPOTENCY_AGE, ARGV[1], idempotency)
end
return { 'created', jobs }
