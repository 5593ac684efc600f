-- ARGV: status ('done' or 'failed'), where to start ('-inf', or '(' and the last submission number seen), batch size.
-- Jobs that ended before retention existed are in neither ENDED nor IMAGES_BY_END: a store written then has them
-- added once, a batch at a time (redis-job-store.ts, at connect). Adding a job already there changes nothing, so
-- masters starting at once may both walk. Returns what walk_batch does.
return walk_batch(ARGV[1], ARGV[2], tonumber(ARGV[3]), function(id)
  local job = load_job(id)
  if job and job.finished_at then
    redis.call('ZADD', ENDED, job.finished_at, job.id)
    if not job.image_expired_at then redis.call('ZADD', IMAGES_BY_END, job.finished_at, job.id) end
  end
end)
