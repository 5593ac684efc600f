-- ARGV: prefix, latest deadline ('+inf' for every lease).
-- Returns {job id, lease id, ...} for the leases due by then, read in one step.
local due = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', leases_key, '-inf', ARGV[2])) do
  due[#due + 1] = id
  due[#due + 1] = redis.call('HGET', job_key(id), 'lease_id')
end
return due
