-- ARGV: prefix, job id, lease id, worker id, result JSON, now.
-- Accepts the result only for the job's current lease held by this worker.
-- Returns {'ok', {job fields}} or {reject reason}.
local id, lease_id, worker_id, result, now = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local refused = fence(id, lease_id, worker_id)
if refused then return { refused } end
end_lease(id, now, 'done', cjson.null)
set_status(id, 'done')
redis.call('HSET', job_key(id), 'finished_at', now, 'result', result)
return { 'ok', job_reply(id) }
