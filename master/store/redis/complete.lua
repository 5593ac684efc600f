-- ARGV: job id, lease id, worker id, result JSON, now, the worker's own answer JSON ('' when the result is it).
-- Accepts the result only for the job's current lease held by this worker. The finishing attempt keeps the worker's
-- own answer when the result is another's: what it votes if the job is reopened (reopen.lua).
-- Returns {'ok', job JSON} or {reject reason}.
local now = ARGV[5]
local job, refused = fenced(ARGV[1], ARGV[2], ARGV[3])
if not job then return { refused } end
local attempts = end_lease(job, now, 'done', cjson.null, 0)
if ARGV[6] ~= '' then
  attempts[#attempts].answer = ARGV[6]
  save_attempts(job.id, attempts)
end
index_answers(job.id, attempts)
set_status(job, 'done')
mark_ended(job, now)
job.result = ARGV[4]
return { 'ok', save_job(job) }
