-- ARGV: job id, lease id, worker id ('' when the master releases it),
--       outcome, reason, retryable (1 or 0), now, max attempts, max leases, failure quorum.
-- The lease ended without a result (failed, expired, lost, recovered, refused): requeue
-- the job (for trusted workers only once volunteers gave up on it) or fail it for good, per the attempt rules.
-- Returns {'ok', job JSON} or {reject reason}.
local outcome, reason, now = ARGV[4], ARGV[5], ARGV[7]
local job, refused = fenced(ARGV[1], ARGV[2], ARGV[3])
if not job then return { refused } end
local final = (outcome == 'failed' and ARGV[6] == '0') and 1 or 0
local attempts = end_lease(job, now, outcome, reason, final)
-- An identity that says the job cannot be processed, or answers it with nonsense, is not asked again; nor is a
-- volunteer whose leases of it ended without an answer max leases times: it counts once toward that cap however
-- often it returns, so this bounds what it adds to the attempts (sqlite-statements.ts, UNSHUNNED, is the twin).
local DROPPED = { failed = true, expired = true, lost = true, recovered = true }
local identity, dropped = attempts[#attempts].identity, 0
for _, a in ipairs(attempts) do
  if a.identity == identity and a.trusted == 0 and DROPPED[a.outcome] then dropped = dropped + 1 end
end
if identity and (final == 1 or outcome == 'refused' or dropped >= tonumber(ARGV[9])) then shun(job, identity) end
local next_status, failures, trusted_only = after_attempt(attempts, tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10]))
if next_status == 'queued' and trusted_only then
  job.trusted_only = 1
  reason = reason .. '; ' .. WAITS_FOR_TRUSTED
end
set_status(job, next_status)
job.failures = failures
if next_status == 'failed' then
  mark_ended(job, now)
  job.error = final_error(attempts)
else
  job.error, job.worker = reason, nil
end
return { 'ok', save_job(job) }
