-- ARGV: now, deadline, the leasing master's id (the lease is its: master-watch.ts), the most queued jobs to read for
--       one worker (LEASE_SCAN_LIMIT), the votes one network may hold on a job (MAX_VOTERS_PER_NETWORK), the most
--       volunteer answers a job may hold (MAX_ANSWERS_PER_JOB), then per worker: lease id, worker id, worker name,
--       backend, identity, trusted (1 or 0), network ('' for none).
-- Leases the oldest queued jobs, one to each worker in order, while the queue lasts; never a job
-- the worker's identity said cannot be processed, answered or (a volunteer) failed or dropped (job-lib.lua, shuns), which waits for another;
-- never a trusted-only job to a volunteer, nor one its network holds all its votes on (network_voted), nor one holding
-- MAX_ANSWERS_PER_JOB answers (answers_full).
-- Returns, per worker in order, {job JSON, image bytes, 1 if they are the prepared image else 0}, or {} when no
-- job is left for it. Workers get the prepared image; a job stored before images were prepared, its original; a job
-- whose image fields are gone (deleted by hand) is leased with none (nil), for the master to fail. Then, only when
-- some were, the JSON of the jobs made trusted-only as workers' leases passed over them (job-lib.lua, capped).
local now, deadline, master, scan_limit, voters_per_network = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local max_answers = tonumber(ARGV[6])
local leases = {}
for i = 7, #ARGV, 7 do
  local lease_id, worker_id, worker_name, backend, identity, trusted = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], tonumber(ARGV[i + 5])
  local network = ARGV[i + 6] ~= '' and ARGV[i + 6] or nil
  local job = oldest_for(identity, trusted, network, voters_per_network, max_answers, scan_limit)
  if not job then
    leases[#leases + 1] = {}
  else
    set_status(job, 'leased')
    job.attempts, job.started_at, job.worker = job.attempts + 1, now, worker_name
    job.lease_id, job.lease_worker, job.lease_deadline, job.lease_master, job.error = lease_id, worker_id, deadline, master, nil
    job.lease_trusted = trusted
    local json = save_job(job)
    redis.call('ZADD', LEASES, deadline, job.id)
    add_attempt(job.id, {
      attempt = job.attempts, lease_id = lease_id, worker_id = worker_id, worker_name = worker_name, backend = backend,
      started_at = now, ended_at = cjson.null, outcome = 'running', reason = cjson.null, identity = identity, trusted = trusted,
      network = network,
    })
    local image = job.prepared_type and redis.call('HGET', PREPARED, job.id)
    if image then
      leases[#leases + 1] = { json, image, 1 }
    else
      leases[#leases + 1] = { json, redis.call('HGET', IMAGES, job.id), 0 }
    end
  end
end
if #capped > 0 then leases[#leases + 1] = capped end
return leases
