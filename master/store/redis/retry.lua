-- ARGV: job id.
-- A failed job goes back to the queue with a fresh attempt budget and timeline.
-- Returns its JSON, or nil when it is not failed or its image expired or is gone (nothing left to process).
local job = load_job(ARGV[1])
if not job or job.status ~= 'failed' or job.image_expired_at then return nil end
if redis.call('HEXISTS', IMAGES, job.id) == 0 and redis.call('HEXISTS', PREPARED, job.id) == 0 then return nil end
set_status(job, 'queued')
job.attempts, job.failures = 0, 0
job.error, job.finished_at, job.started_at, job.worker, job.result, job.shunned, job.votes = nil, nil, nil, nil, nil, nil, nil
unindex_answers(job.id)
redis.call('HDEL', ATTEMPTS, job.id)
return save_job(job)
