-- ARGV: job id, result JSON, the identity whose vote the result is, now, then the lease ids of the votes decided on.
-- A waiting job settled by the votes it holds, once its voters' credibility grew (settleWaiting in job-store.ts):
-- done with the result only if it is still queued holding exactly the votes the caller decided on (their lease ids, in
-- order), the vote of the result's identity among them; else a lease, another answer, a retry or a backtracking came
-- first, and that path decides. The vote the result is becomes the attempt that finished it, as complete makes it.
-- Returns {'ok', job JSON} or {reject reason}.
local job = load_job(ARGV[1])
if not job then return { 'unknown-job' } end
local seen = #ARGV - 4
-- A job holding no votes is not waiting on any.
if job.status ~= 'queued' or (job.votes or 0) ~= seen or seen < 1 then return { 'stale-lease' } end
local attempts = load_attempts(job.id)
-- Only on exactly the votes decided on: after a retry the same identities may have voted again, as many, and otherwise.
local settler
local held = 0
for _, attempt in ipairs(attempts) do
  if attempt.outcome == 'answered' then
    held = held + 1
    if attempt.lease_id ~= ARGV[4 + held] then return { 'stale-lease' } end
    if attempt.identity == ARGV[3] then settler = attempt end
  end
end
if held ~= seen or not settler then return { 'stale-lease' } end
settler.outcome, settler.answer = 'done', nil
job.worker = settler.worker_name
save_attempts(job.id, attempts)
index_answers(job.id, attempts)
set_status(job, 'done')
mark_ended(job, ARGV[4])
job.result, job.error = ARGV[2], nil
return { 'ok', save_job(job) }
