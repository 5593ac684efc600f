-- ARGV: latest deadline ('+inf' for every lease).
-- Returns {job id, lease id, ...} for the leases due by then, read in one step.
local due = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', LEASES, '-inf', ARGV[1])) do
  due[#due + 1] = id
  due[#due + 1] = load_job(id).lease_id
end
return due
