-- ARGV: prefix, now, deadline, then per worker: lease id, worker id, worker name, backend.
-- Leases the oldest queued jobs, one to each worker in order, while the queue lasts.
-- Returns {{job fields}, image bytes} per lease made, in worker order.
local now, deadline = ARGV[2], ARGV[3]
local leases = {}
for i = 4, #ARGV, 4 do
  local oldest = redis.call('ZPOPMIN', status_key('queued'))
  if #oldest == 0 then break end
  local id, seq = oldest[1], oldest[2]
  local lease_id, worker_id, worker_name, backend = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local key = job_key(id)
  local attempt = redis.call('HINCRBY', key, 'attempts', 1)
  redis.call('HSET', key, 'status', 'leased', 'started_at', now, 'worker', worker_name,
    'lease_id', lease_id, 'lease_worker', worker_id, 'lease_deadline', deadline)
  redis.call('HDEL', key, 'error')
  redis.call('ZADD', status_key('leased'), seq, id)
  redis.call('ZADD', leases_key, deadline, id)
  redis.call('RPUSH', attempts_key(id), cjson.encode({
    attempt = attempt, lease_id = lease_id, worker_id = worker_id, worker_name = worker_name, backend = backend,
    started_at = now, ended_at = cjson.null, outcome = 'running', reason = cjson.null,
  }))
  leases[#leases + 1] = { job_reply(id), redis.call('GET', image_key(id)) }
end
return leases
