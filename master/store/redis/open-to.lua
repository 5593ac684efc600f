-- ARGV: the most queued jobs to read for one worker (LEASE_SCAN_LIMIT), the votes one network may hold on a job
--       (MAX_VOTERS_PER_NETWORK), the most volunteer answers a job may hold (MAX_ANSWERS_PER_JOB), then per worker:
--       identity, trusted (1 or 0), network ('' for none).
-- Whether lease.lua would find each worker a job now, on its own; nothing is leased (ids of jobs no longer queued are
-- let go, and jobs a volunteer passes over holding MAX_ANSWERS_PER_JOB answers made trusted-only, as lease.lua does:
-- oldest_for). Returns 1 or 0 per worker in order, then, only when some were, the JSON of the jobs made trusted-only
-- (job-lib.lua, capped).
local scan_limit, voters_per_network, max_answers = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local open = {}
for i = 4, #ARGV, 3 do
  local network = ARGV[i + 2] ~= '' and ARGV[i + 2] or nil
  open[#open + 1] = oldest_for(ARGV[i], tonumber(ARGV[i + 1]), network, voters_per_network, max_answers, scan_limit) and 1 or 0
end
if #capped > 0 then open[#open + 1] = capped end
return open
