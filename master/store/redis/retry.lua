-- ARGV: job id, now.
-- A failed job goes back to the queue with a fresh attempt budget and timeline.
-- Returns {'ok', job JSON}, or {why not}: 'not-found', 'not-failed', 'image-expired', or 'image-missing' (its image
-- is gone: it would only fail again).
local job = load_job(ARGV[1])
if not job then return { 'not-found' } end
if job.status ~= 'failed' then return { 'not-failed' } end
if job.image_expired_at then return { 'image-expired' } end
if redis.call('HEXISTS', IMAGES, job.id) == 0 and redis.call('HEXISTS', PREPARED, job.id) == 0 then return { 'image-missing' } end
set_status(job, 'queued')
job.queued_at = ARGV[2]
job.attempts, job.failures, job.votes = 0, 0, 0
job.error, job.finished_at, job.started_at, job.worker, job.result, job.shunned, job.voted_networks = nil, nil, nil, nil, nil, nil, nil
unindex_answers(job.id)
redis.call('HDEL', ATTEMPTS, job.id)
return { 'ok', save_job(job) }
