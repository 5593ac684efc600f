-- ARGV: prefix, job id.
-- Returns {removed (1 or 0), lease id if it was leased}.
local id = ARGV[2]
local status, lease_id = unpack(redis.call('HMGET', job_key(id), 'status', 'lease_id'))
if not status then return { 0 } end
redis.call('DEL', job_key(id), image_key(id), attempts_key(id))
redis.call('ZREM', all_jobs_key, id)
redis.call('ZREM', status_key(status), id)
redis.call('ZREM', leases_key, id)
if status == 'leased' then return { 1, lease_id } end
return { 1 }
