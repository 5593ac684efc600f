-- ARGV: status ('done' or 'failed'), where to start ('-inf', or '(' and the last submission number seen), batch size.
-- Jobs that ended before retention existed are in neither ENDED nor IMAGES_BY_END: a store written then has them
-- added once, a batch at a time, walking the status set by submission number (redis-job-store.ts, at connect).
-- Adding a job already there changes nothing, so masters starting at once may both walk.
-- Returns the submission number of the last job seen, or '' when the walk of this status is over.
local found = redis.call('ZRANGEBYSCORE', STATUS[ARGV[1]], ARGV[2], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
for i = 1, #found, 2 do
  local job = load_job(found[i])
  if job and job.finished_at then
    redis.call('ZADD', ENDED, job.finished_at, job.id)
    if not job.image_expired_at then redis.call('ZADD', IMAGES_BY_END, job.finished_at, job.id) end
  end
end
if #found < 2 * tonumber(ARGV[3]) then return '' end
return found[#found]
