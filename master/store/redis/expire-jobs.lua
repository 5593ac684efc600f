-- ARGV: ended by (ms), batch size.
-- Retention: removes at most a batch of jobs that ended (done or failed) by then, oldest ending first, read off
-- ENDED, with everything they own (delete_job). As expire-images.lua, a job no longer ended is not in the set and a
-- job removed by another master is gone. Returns {job id...} for the jobs removed.
local removed = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', ENDED, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))) do
  local job = load_job(id)
  if job and (job.status == 'done' or job.status == 'failed') then
    delete_job(job)
    removed[#removed + 1] = id
  else
    redis.call('ZREM', ENDED, id)
    redis.call('ZREM', IMAGES_BY_END, id)
  end
end
return removed
