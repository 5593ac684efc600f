-- ARGV: ended by (ms), now, batch size.
-- Retention: deletes the images (original and prepared) of at most a batch of jobs that ended (done or failed) by then, oldest ending first,
-- read off IMAGES_BY_END; each job keeps its result and records when (image_expired_at). A job retried or reopened
-- meanwhile left the set with its new status, so it is not here; one step taken by another master leaves nothing
-- for this one. Returns {job JSON...} for the jobs changed.
local ended_by, now, batch = ARGV[1], ARGV[2], tonumber(ARGV[3])
local expired = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', IMAGES_BY_END, '-inf', ended_by, 'LIMIT', 0, batch)) do
  redis.call('ZREM', IMAGES_BY_END, id)
  local job = load_job(id)
  if job and (job.status == 'done' or job.status == 'failed') and not job.image_expired_at then
    redis.call('HDEL', IMAGES, id)
    redis.call('HDEL', PREPARED, id)
    job.image_expired_at = now
    expired[#expired + 1] = save_job(job)
  end
end
return expired
