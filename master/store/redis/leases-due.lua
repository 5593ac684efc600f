-- ARGV: the latest deadline of this master's own leases ('+inf' for every lease), this master's id, the latest
--       deadline of every other lease ('+inf' likewise).
-- Returns {job id, lease id, made here ('1' or '0'), ...} for the leases due by then, read in one step. A deadline is
-- on the clock of the master that made the lease (lease.lua), so another master's lease, or one naming none (made
-- before leases named their master), is due only by the second, earlier bound: a margin for clocks that disagree
-- (lease-reaper.ts).
local mine, master, others = ARGV[1], ARGV[2], ARGV[3]
local due = {}
local function add(id, job)
  due[#due + 1] = id
  due[#due + 1] = job.lease_id
  due[#due + 1] = job.lease_master == master and '1' or '0'
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', LEASES, '-inf', others)) do add(id, load_job(id)) end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', LEASES, '(' .. others, mine)) do
  local job = load_job(id)
  if job.lease_master == master then add(id, job) end
end
return due
