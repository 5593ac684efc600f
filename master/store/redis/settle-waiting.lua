-- ARGV: job id, votes seen, result JSON, the identity whose vote the result is, now.
-- A waiting job settled by the votes it holds, once its voters' credibility grew (settleWaiting in job-store.ts):
-- done with the result only if it is still queued holding exactly the votes the caller decided on, the vote of the
-- result's identity among them; else a lease, another answer, a retry or a backtracking came first, and that path
-- decides. The vote the result is becomes the attempt that finished the job, as complete makes it.
-- Returns {'ok', job JSON} or {reject reason}.
local job = load_job(ARGV[1])
if not job then return { 'unknown-job' } end
-- A job holding no votes is not waiting on any.
if job.status ~= 'queued' or (job.votes or 0) ~= tonumber(ARGV[2]) or tonumber(ARGV[2]) < 1 then return { 'stale-lease' } end
local attempts = load_attempts(job.id)
-- Only on a vote the job holds now: the count alone may have dropped and climbed back (a retry clears the votes).
local settler
for _, attempt in ipairs(attempts) do
  if attempt.outcome == 'answered' and attempt.identity == ARGV[4] then settler = attempt end
end
if not settler then return { 'stale-lease' } end
settler.outcome, settler.answer = 'done', nil
job.worker = settler.worker_name
save_attempts(job.id, attempts)
index_answers(job.id, attempts)
set_status(job, 'done')
mark_ended(job, ARGV[5])
job.result, job.error = ARGV[3], nil
return { 'ok', save_job(job) }
