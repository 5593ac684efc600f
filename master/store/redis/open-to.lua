-- ARGV: the most queued jobs to read for one worker (LEASE_SCAN_LIMIT), then per worker: identity, trusted (1 or 0).
-- Whether lease.lua would find each worker a job now, on its own; nothing is leased (only ids of jobs no longer queued
-- are let go, as lease.lua does). Returns 1 or 0 per worker in order.
local scan_limit = tonumber(ARGV[1])
local open = {}
for i = 2, #ARGV, 2 do
  open[#open + 1] = oldest_for(ARGV[i], tonumber(ARGV[i + 1]), scan_limit) and 1 or 0
end
return open
