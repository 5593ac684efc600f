-- ARGV: prefix.
-- Removes every job (the submission counter stays, as in sqlite).
-- Returns {job id, lease id or ''} per job.
local removed = {}
for _, id in ipairs(redis.call('ZRANGE', all_jobs_key, 0, -1)) do
  local status, lease_id = unpack(redis.call('HMGET', job_key(id), 'status', 'lease_id'))
  redis.call('DEL', job_key(id), image_key(id), attempts_key(id))
  removed[#removed + 1] = { id, status == 'leased' and lease_id or '' }
end
redis.call('DEL', all_jobs_key, leases_key, idempotency_key)
for _, status in ipairs(STATUSES) do redis.call('DEL', status_key(status)) end
return removed
