-- ARGV: job id, lease id, worker id, answer JSON, trusted only (1 or 0), now, the most volunteer answers a job may hold
--       (MAX_ANSWERS_PER_JOB).
-- A volunteer's answer kept as a vote, fenced as complete is: the attempt ends 'answered' holding it, that
-- identity is never leased the job again, and the job goes back to the queue (for trusted workers only, if asked,
-- or once it holds MAX_ANSWERS_PER_JOB answers, whatever the caller asked: no volunteer is leased it again).
-- Returns {'ok', job JSON} or {reject reason}.
local job, refused = fenced(ARGV[1], ARGV[2], ARGV[3])
if not job then return { refused } end
local attempts = end_lease(job, ARGV[6], 'answered', cjson.null, 0)
attempts[#attempts].answer = ARGV[4]
save_attempts(job.id, attempts)
shun(job, attempts[#attempts].identity)
job.votes, job.voted_networks = count_votes(attempts)
if ARGV[5] == '1' or answers_full(job.votes, tonumber(ARGV[7])) then job.trusted_only = 1 end
set_status(job, 'queued')
job.worker, job.error, job.queued_at = nil, nil, ARGV[6]
return { 'ok', save_job(job) }
