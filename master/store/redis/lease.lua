-- ARGV: now, deadline, then per worker: lease id, worker id, worker name, backend.
-- Leases the oldest queued jobs, one to each worker in order, while the queue lasts.
-- Returns {job JSON, image bytes} per lease made, in worker order.
local now, deadline = ARGV[1], ARGV[2]
local leases = {}
for i = 3, #ARGV, 4 do
  local oldest = redis.call('ZPOPMIN', STATUS.queued)
  if #oldest == 0 then break end
  local job = load_job(oldest[1])
  local lease_id, worker_id, worker_name, backend = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  job.status, job.attempts, job.started_at, job.worker = 'leased', job.attempts + 1, now, worker_name
  job.lease_id, job.lease_worker, job.lease_deadline, job.error = lease_id, worker_id, deadline, nil
  local json = save_job(job)
  redis.call('ZADD', STATUS.leased, job.seq, job.id)
  redis.call('ZADD', LEASES, deadline, job.id)
  add_attempt(job.id, {
    attempt = job.attempts, lease_id = lease_id, worker_id = worker_id, worker_name = worker_name, backend = backend,
    started_at = now, ended_at = cjson.null, outcome = 'running', reason = cjson.null,
  })
  leases[#leases + 1] = { json, redis.call('HGET', IMAGES, job.id) }
end
return leases
