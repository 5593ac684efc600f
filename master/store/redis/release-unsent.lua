-- ARGV: the deadline of a lease call's leases (lease.lua), reason, now, max attempts, max leases, failure quorum,
--       error attempts shown, then the lease ids that call named.
-- Ends as lost, as end-without-result.lua does (its body, run here as end_without_result), the leases that call
-- made: its reply never reached the master, so no worker was handed them. Sent after it on the same connection, this
-- runs after it, however late that ran. Returns how many it ended.
local deadline, reason, now = ARGV[1], ARGV[2], ARGV[3]
local unsent = {}
for i = 8, #ARGV do unsent[ARGV[i]] = true end
local ended = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', LEASES, deadline, deadline)) do
  local lease_id = load_job(id).lease_id
  if unsent[lease_id] then
    end_without_result({ id, lease_id, '', 'lost', reason, '1', now, ARGV[4], ARGV[5], ARGV[6], ARGV[7] })
    ended = ended + 1
  end
end
return ended
