-- Shared by every job script, which is this library followed by its own body.
-- ARGV[1] is always the key prefix. Key names match redis-keys.ts.
--
--   job:{id}       hash, the fields of the sqlite row (an absent field is null)
--   image:{id}     the image bytes
--   attempts:{id}  list of attempt rows as JSON, oldest first
--   jobs           every job id, scored by submission order (seq)
--   status:{s}     the job ids in status s, scored by seq; status:queued is the FIFO queue
--   leases         leased job ids scored by lease deadline, for reaping
--   idempotency    hash: idempotency key -> JSON array of the job ids it created
--   seq            submission counter
local prefix = ARGV[1]
local function job_key(id) return prefix .. 'job:' .. id end
local function image_key(id) return prefix .. 'image:' .. id end
local function attempts_key(id) return prefix .. 'attempts:' .. id end
local function status_key(status) return prefix .. 'status:' .. status end
local all_jobs_key = prefix .. 'jobs'
local leases_key = prefix .. 'leases'
local idempotency_key = prefix .. 'idempotency'
local seq_key = prefix .. 'seq'
local STATUSES = { 'queued', 'leased', 'done', 'failed' }

local function job_reply(id) return redis.call('HGETALL', job_key(id)) end

local function set_status(id, to)
  local key = job_key(id)
  local from, seq = unpack(redis.call('HMGET', key, 'status', 'seq'))
  redis.call('ZREM', status_key(from), id)
  redis.call('ZADD', status_key(to), seq, id)
  redis.call('HSET', key, 'status', to)
end

-- nil if lease_id is the job's current lease (held by worker_id, unless that
-- is '' for the master itself), else why the transition is refused.
local function fence(id, lease_id, worker_id)
  local status, current, holder = unpack(redis.call('HMGET', job_key(id), 'status', 'lease_id', 'lease_worker'))
  if not status then return 'unknown-job' end
  if status ~= 'leased' or current ~= lease_id then return 'stale-lease' end
  if worker_id ~= '' and holder ~= worker_id then return 'not-your-lease' end
  return nil
end

-- Ends the current lease. Its attempt is the last one: a job is only leased
-- again after its lease ended.
local function end_lease(id, now, outcome, reason)
  local key = attempts_key(id)
  local attempt = cjson.decode(redis.call('LINDEX', key, -1))
  attempt.ended_at = now
  attempt.outcome = outcome
  attempt.reason = reason
  redis.call('LSET', key, -1, cjson.encode(attempt))
  redis.call('ZREM', leases_key, id)
  redis.call('HDEL', job_key(id), 'lease_id', 'lease_worker', 'lease_deadline')
end

local function attempt_rows(id)
  local rows = {}
  for i, json in ipairs(redis.call('LRANGE', attempts_key(id), 0, -1)) do rows[i] = cjson.decode(json) end
  return rows
end
