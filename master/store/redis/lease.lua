-- ARGV: now, deadline, the leasing master's id (the lease is its: master-watch.ts), the most queued jobs to read for
--       one worker (LEASE_SCAN_LIMIT), then per worker: lease id, worker id, worker name, backend, identity, trusted
--       (1 or 0), network ('' for none).
-- Leases the oldest queued jobs, one to each worker in order, while the queue lasts; never a job
-- the worker's identity said cannot be processed, answered or (a volunteer) held before (job-lib.lua, shuns), which waits for another;
-- never a trusted-only job to a volunteer.
-- Returns, per worker in order, {job JSON, image bytes, 1 if they are the prepared image else 0}, or {} when no
-- job is left for it. Workers get the prepared image; a job stored before images were prepared, its original.
local now, deadline, master, scan_limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
-- Queued ids read at first, doubled on each read up to SCAN: the head of the queue is almost always taken, and
-- reading a hundred ids to use one cost each lease more than the rest of its work.
local FIRST_READ, SCAN = 2, 128

-- The oldest queued job this identity may take, among the first scan_limit, or nil. A volunteer reads the open
-- queue, which holds no trusted-only job: private jobs waiting for the fleet cost its lease nothing.
local function oldest_for(identity, trusted)
  local queue = trusted == 1 and STATUS.queued or OPEN_QUEUE
  local from, read = 0, FIRST_READ
  while from < scan_limit do
    local ids = redis.call('ZRANGE', queue, from, math.min(from + read, scan_limit) - 1)
    if #ids == 0 then return nil end
    local stale = 0
    for _, id in ipairs(ids) do
      local job = load_job(id)
      -- An id the queue holds for a job no longer queued is let go, never leased: a master older than the open
      -- queue leases, finishes and deletes jobs without taking them out of it (a rolling upgrade).
      if not job or job.status ~= 'queued' or (trusted ~= 1 and job.trusted_only == 1) then
        redis.call('ZREM', queue, id)
        stale = stale + 1
      elseif not shuns(job, identity) then
        return job
      end
    end
    from, read = from + read - stale, math.min(read * 2, SCAN)
  end
  return nil
end

local leases = {}
for i = 5, #ARGV, 7 do
  local lease_id, worker_id, worker_name, backend, identity, trusted = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], tonumber(ARGV[i + 5])
  local network = ARGV[i + 6] ~= '' and ARGV[i + 6] or nil
  local job = oldest_for(identity, trusted)
  if not job then
    leases[#leases + 1] = {}
  else
    set_status(job, 'leased')
    job.attempts, job.started_at, job.worker = job.attempts + 1, now, worker_name
    job.lease_id, job.lease_worker, job.lease_deadline, job.lease_master, job.error = lease_id, worker_id, deadline, master, nil
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
return leases
