-- ARGV: prefix, job id, lease id, worker id ('' when the master releases it),
--       outcome, reason, retryable (1 or 0), now, max attempts, max leases.
-- The lease ended without a result (failed, expired, lost, recovered): requeue
-- the job or fail it for good, per the attempt rules.
-- Returns {'ok', {job fields}} or {reject reason}.
local id, lease_id, worker_id, outcome, reason, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[8]
local refused = fence(id, lease_id, worker_id)
if refused then return { refused } end

local key = job_key(id)
end_lease(id, now, outcome, reason)
local leases, failures = unpack(redis.call('HMGET', key, 'attempts', 'failures'))
local next_status, next_failures = after_attempt(tonumber(leases), tonumber(failures), outcome, ARGV[7] == '1',
  tonumber(ARGV[9]), tonumber(ARGV[10]))
set_status(id, next_status)
if next_status == 'failed' then
  redis.call('HSET', key, 'failures', next_failures, 'finished_at', now, 'error', final_error(attempt_rows(id)))
else
  redis.call('HSET', key, 'failures', next_failures, 'error', reason)
  redis.call('HDEL', key, 'worker')
end
return { 'ok', job_reply(id) }
