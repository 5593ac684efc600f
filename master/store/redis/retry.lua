-- ARGV: prefix, job id.
-- A failed job goes back to the queue with a fresh attempt budget and timeline.
-- Returns its fields, or nil when it is not failed.
local id = ARGV[2]
local key = job_key(id)
if redis.call('HGET', key, 'status') ~= 'failed' then return nil end
set_status(id, 'queued')
redis.call('HSET', key, 'attempts', 0, 'failures', 0)
redis.call('HDEL', key, 'error', 'finished_at', 'started_at', 'worker', 'result')
redis.call('DEL', attempts_key(id))
return job_reply(id)
