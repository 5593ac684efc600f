-- ARGV: job id, the result's answer as a vote (JSON), reason, the result made unverified as its image has expired
-- (JSON, job-views.ts withdrawn), the identity whose answer the result is, the result the caller read (JSON, as
-- stored), the most volunteer answers a job may hold (MAX_ANSWERS_PER_JOB), whether a trusted worker is connected (1
-- or 0), the result made unverified as the job is full of answers (JSON, withdrawn), now (the walk's clock read for
-- this script, a step of its own: job-store.ts Backtracking).
-- Backtracking (reopenAnsweredBy): a done job goes back to the queue, the finishing attempt's answer kept as a vote
-- like the others: the answer it kept, else the result's if it is its identity's (one finished before finishers kept
-- theirs, on another's answer, holds none to vote and stays as it was); one whose image has expired cannot be asked
-- again, so it stays done and takes the unverified result instead. A job that would hold MAX_ANSWERS_PER_JOB answers
-- goes to trusted workers only; with none connected it would wait for ever, so it stays done and takes the other
-- unverified result (as the verifier ends a job at that limit: verification.ts).
-- The caller chose the job from a read; it changes only if it is still done with that very result (not one a trusted
-- worker gave after another backtrack reopened it).
-- Returns {'reopened' or 'unverified', job JSON}, or nil.
local job = load_job(ARGV[1])
if not job or job.status ~= 'done' or job.result ~= ARGV[6] then return nil end
if job.image_expired_at then
  job.result = ARGV[4]
  return { 'unverified', save_job(job) }
end
local attempts = load_attempts(job.id)
-- Each finishing attempt that is a vote once the job is reopened becomes one, here in memory: the answer it kept, else
-- the result's if it is its identity's (the twin of sqlite-statements.ts's VOTES_WHEN_REOPENED). Saved only if the job
-- is reopened; its votes are then counted once, for the limit and for the job.
local voters = {}
for _, attempt in ipairs(attempts) do
  if attempt.outcome == 'done' and (attempt.answer or attempt.identity == ARGV[5]) then
    attempt.outcome, attempt.answer = 'answered', attempt.answer or ARGV[2]
    voters[#voters + 1] = attempt.identity
  end
end
local votes, networks = count_votes(attempts)
local full = answers_full(votes, tonumber(ARGV[7]))
if full and ARGV[8] ~= '1' then
  job.result = ARGV[9]
  return { 'unverified', save_job(job) }
end
for _, identity in ipairs(voters) do shun(job, identity) end
save_attempts(job.id, attempts)
job.votes, job.voted_networks = votes, networks
if full then job.trusted_only = 1 end
set_status(job, 'queued')
job.result, job.finished_at, job.worker, job.error, job.queued_at = nil, nil, nil, ARGV[3], ARGV[10]
return { 'reopened', save_job(job) }
