-- ARGV: job id, the final answer as a vote (JSON), reason, the result made unverified (JSON, job-views.ts withdrawn),
-- the result the caller read (JSON, as stored).
-- Backtracking (reopenAnsweredBy): a done job goes back to the queue, its final answer kept as a vote like the others;
-- one whose image has expired cannot be asked again, so it stays done and takes the unverified result instead.
-- The caller chose the job from a read; it changes only if it is still done with that very result (not one a trusted
-- worker gave after another backtrack reopened it).
-- Returns {'reopened' or 'unverified', job JSON}, or nil.
local job = load_job(ARGV[1])
if not job or job.status ~= 'done' or job.result ~= ARGV[5] then return nil end
if job.image_expired_at then
  job.result = ARGV[4]
  return { 'unverified', save_job(job) }
end
local attempts = load_attempts(job.id)
for _, attempt in ipairs(attempts) do
  if attempt.outcome == 'done' then
    attempt.outcome, attempt.answer = 'answered', ARGV[2]
    shun(job, attempt.identity)
  end
end
save_attempts(job.id, attempts)
count_votes(job, attempts)
set_status(job, 'queued')
job.result, job.finished_at, job.worker, job.error = nil, nil, nil, ARGV[3]
return { 'reopened', save_job(job) }
