-- ARGV: a master's id.
-- Returns {job id, lease id, ...} for the leases this master made (lease.lua) that are still held: what its workers
-- held when it died (master-watch.ts). Walks every lease of the partition, which only a master's death calls for.
local held = {}
for _, id in ipairs(redis.call('ZRANGE', LEASES, 0, -1)) do
  local job = load_job(id)
  if job.lease_master == ARGV[1] then
    held[#held + 1] = id
    held[#held + 1] = job.lease_id
  end
end
return held
