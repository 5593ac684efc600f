-- ARGV: job id, lease id, worker id ('' when the master releases it),
--       outcome, reason, retryable (1 or 0), now, max attempts, max leases, failure quorum, error attempts shown.
-- The lease ended without a result (failed, expired, lost, recovered, refused, image-missing): requeue
-- the job (for trusted workers only once volunteers gave up on it) or fail it for good, per the attempt rules;
-- 'image-missing' is the master's own verdict (failForGood): the job fails whatever the rules say, its error the
-- reason alone, naming no worker, whose identity is not shunned for it.
-- Returns {'ok', job JSON} or {reject reason}.
local outcome, reason, now = ARGV[4], ARGV[5], ARGV[7]
local job, refused = fenced(ARGV[1], ARGV[2], ARGV[3])
if not job then return { refused } end
local final = (outcome == 'failed' and ARGV[6] == '0') and 1 or 0
local attempts = end_lease(job, now, outcome, reason, final)
-- An identity that says the job cannot be processed, or answers it with nonsense, is not asked again; nor is a
-- volunteer whose lease of it ended without an answer: the job coming back would tell it from a spot check, which never
-- comes back (sqlite-statements.ts, UNSHUNNED, is the twin).
local masters_verdict = outcome == 'image-missing'
local last = attempts[#attempts]
if last.identity and not masters_verdict and (final == 1 or outcome == 'refused' or last.trusted == 0) then shun(job, last.identity) end
local next_status, failures, trusted_only = after_attempt(attempts, tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]))
if masters_verdict then next_status = 'failed' end
if next_status == 'queued' and trusted_only then
  job.trusted_only = 1
  reason = reason .. '; ' .. WAITS_FOR_TRUSTED
end
set_status(job, next_status)
job.failures = failures
if next_status == 'failed' then
  mark_ended(job, now)
  job.error = masters_verdict and reason or final_error(attempts, tonumber(ARGV[11]))
else
  job.error, job.worker, job.queued_at = reason, nil, now
end
return { 'ok', save_job(job) }
