-- ARGV: where to start ('-inf', or '(' and the last submission number seen), batch size.
-- Jobs queued before the open queue existed are not in it: a store written then has them added once, a batch at
-- a time, walking the queue by submission number (redis-partition.ts, at connect). A job leased meanwhile has left
-- the queue and is not walked; adding a job already there changes nothing, so masters starting at once may both walk.
-- Returns the submission number of the last job seen, or '' when the walk is over.
local found = redis.call('ZRANGEBYSCORE', STATUS.queued, ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #found, 2 do
  local job = load_job(found[i])
  if job and job.trusted_only ~= 1 then redis.call('ZADD', OPEN_QUEUE, job.seq, job.id) end
end
if #found < 2 * tonumber(ARGV[2]) then return '' end
return found[#found]
