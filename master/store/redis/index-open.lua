-- ARGV: where to start ('-inf', or '(' and the last submission number seen), batch size.
-- Jobs queued before the open queue existed are not in it: a store written then has them added once, a batch at a
-- time (redis-partition.ts, at connect). A job leased meanwhile has left the queue and is not walked; adding a job
-- already there changes nothing, so masters starting at once may both walk. Returns what walk_batch does.
return walk_batch('queued', ARGV[1], tonumber(ARGV[2]), function(id)
  local job = load_job(id)
  if job and job.trusted_only ~= 1 then redis.call('ZADD', OPEN_QUEUE, job.seq, job.id) end
end)
