-- ARGV: job id, lease id, worker id, result JSON, now.
-- Accepts the result only for the job's current lease held by this worker.
-- Returns {'ok', job JSON} or {reject reason}.
local now = ARGV[5]
local job, refused = fenced(ARGV[1], ARGV[2], ARGV[3])
if not job then return { refused } end
index_answers(job.id, end_lease(job, now, 'done', cjson.null, 0))
set_status(job, 'done')
mark_ended(job, now)
job.result = ARGV[4]
return { 'ok', save_job(job) }
