-- Shared by every job script, which is this library followed by its own body.
-- KEYS are the store's keys, in the order of RedisKeys.all() (redis-keys.ts
-- documents each); a script touches no other key. ARGV are its own arguments.
-- Times are the master's clock, passed in and stored as given.
local JOBS, IMAGES, ATTEMPTS, ORDER = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local STATUS = { queued = KEYS[5], leased = KEYS[6], done = KEYS[7], failed = KEYS[8] }
local LEASES, IDEMPOTENCY, IDEMPOTENCY_AGE, SEQ = KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local BY_OWNER, BY_OWNER_STATUS = KEYS[13], KEYS[14]
-- Retention's sets (redis-keys.ts); KEYS[17] only says they hold the jobs ended before them too (index-ended.lua).
local ENDED, IMAGES_BY_END = KEYS[15], KEYS[16]
-- The prepared images workers receive (beside IMAGES, the originals).
local PREPARED = KEYS[18]
-- The queued jobs a volunteer may take (not trusted-only); KEYS[20] only says it holds those queued before it too.
local OPEN_QUEUE = KEYS[19]
-- "identity:job id" for each identity whose answer a done job holds; KEYS[22] says it holds the older jobs too.
local ANSWERS_BY_IDENTITY = KEYS[21]
-- Keys a script is handed beyond the store's own (create.lua's incoming images) start here.
local FIRST_EXTRA_KEY = 23

-- A job as a table of its fields (nil when there is no such job), and back.
local function load_job(id)
  local json = redis.call('HGET', JOBS, id)
  return json and cjson.decode(json) or nil
end
-- Saves the job; returns its JSON, which is also the reply that carries a job back.
local function save_job(job)
  local json = cjson.encode(job)
  redis.call('HSET', JOBS, job.id, json)
  return json
end

-- A job's attempt rows, oldest first.
local function load_attempts(id)
  local json = redis.call('HGET', ATTEMPTS, id)
  return json and cjson.decode(json) or {}
end
local function save_attempts(id, attempts) redis.call('HSET', ATTEMPTS, id, cjson.encode(attempts)) end

-- Appends an attempt row without decoding the ones before it.
local function add_attempt(id, attempt)
  local json = redis.call('HGET', ATTEMPTS, id)
  local row = cjson.encode(attempt)
  redis.call('HSET', ATTEMPTS, id, json and (string.sub(json, 1, -2) .. ',' .. row .. ']') or ('[' .. row .. ']'))
end

-- A job's members in the owner indexes (redis-keys.ts): owner, (status), zero-padded seq, id.
local function owner_member(job, status)
  local seq = string.format('%016d', job.seq)
  if status then return job.owner .. ':' .. status .. ':' .. seq .. ':' .. job.id end
  return job.owner .. ':' .. seq .. ':' .. job.id
end

local function set_status(job, to)
  -- A job that leaves done or failed (retried, reopened) is no longer due for retention.
  if (job.status == 'done' or job.status == 'failed') and to ~= 'done' and to ~= 'failed' then
    redis.call('ZREM', ENDED, job.id)
    redis.call('ZREM', IMAGES_BY_END, job.id)
  end
  redis.call('ZREM', STATUS[job.status], job.id)
  redis.call('ZADD', STATUS[to], job.seq, job.id)
  -- Set trusted_only before a job is queued: the open queue is decided here.
  if to == 'queued' and job.trusted_only ~= 1 then redis.call('ZADD', OPEN_QUEUE, job.seq, job.id) else redis.call('ZREM', OPEN_QUEUE, job.id) end
  if job.owner then
    redis.call('ZREM', BY_OWNER_STATUS, owner_member(job, job.status))
    redis.call('ZADD', BY_OWNER_STATUS, 0, owner_member(job, to))
  end
  job.status = to
end

-- The job ended (done or failed) at `now`: retention counts from then (expire-images.lua, expire-jobs.lua).
local function mark_ended(job, now)
  job.finished_at = now
  redis.call('ZADD', ENDED, now, job.id)
  if not job.image_expired_at then redis.call('ZADD', IMAGES_BY_END, now, job.id) end
end

-- The job if lease_id is its current lease (held by worker_id, unless that is
-- '' for the master itself); else nil and why the transition is refused.
local function fenced(id, lease_id, worker_id)
  local job = load_job(id)
  if not job then return nil, 'unknown-job' end
  if job.status ~= 'leased' or job.lease_id ~= lease_id then return nil, 'stale-lease' end
  if worker_id ~= '' and job.lease_worker ~= worker_id then return nil, 'not-your-lease' end
  return job
end

-- Ends the current lease, whose attempt is the last one (a job is only leased
-- again after its lease ended); `final` (1 or 0) marks a failure the worker said
-- retrying cannot help. Returns the job's attempts.
local function end_lease(job, now, outcome, reason, final)
  local attempts = load_attempts(job.id)
  local attempt = attempts[#attempts]
  attempt.ended_at = now
  attempt.outcome = outcome
  attempt.reason = reason
  attempt.final = final
  save_attempts(job.id, attempts)
  redis.call('ZREM', LEASES, job.id)
  job.lease_id, job.lease_worker, job.lease_deadline, job.lease_master, job.lease_trusted = nil, nil, nil, nil, nil
  return attempts
end

-- One batch of a walk over a status set by submission number, for the scripts that fill an index for a store
-- written before it (index-*.lua): calls visit(id) for each job from `from` ('-inf', or '(' and the last number
-- seen). Returns the last submission number seen, or '' when the walk is over.
local function walk_batch(status, from, batch, visit)
  local found = redis.call('ZRANGEBYSCORE', STATUS[status], from, '+inf', 'WITHSCORES', 'LIMIT', 0, batch)
  for i = 1, #found, 2 do visit(found[i]) end
  if #found < 2 * batch then return '' end
  return found[#found]
end

-- Indexes the identities whose answers the job holds (attempts that ended 'done' or 'answered'), for backtracking.
local function index_answers(id, attempts)
  for _, attempt in ipairs(attempts) do
    if attempt.identity and (attempt.outcome == 'done' or attempt.outcome == 'answered') then
      redis.call('ZADD', ANSWERS_BY_IDENTITY, 0, attempt.identity .. ':' .. id)
    end
  end
end

-- Takes the job's attempts out of the answers index, before they are deleted (nothing else would remove them).
local function unindex_answers(id)
  for _, attempt in ipairs(load_attempts(id)) do
    if attempt.identity then redis.call('ZREM', ANSWERS_BY_IDENTITY, attempt.identity .. ':' .. id) end
  end
end

-- Removes a job and everything it owns; returns its lease id if it was leased, else ''.
local function delete_job(job)
  unindex_answers(job.id)
  redis.call('HDEL', JOBS, job.id)
  redis.call('HDEL', IMAGES, job.id)
  redis.call('HDEL', PREPARED, job.id)
  redis.call('HDEL', ATTEMPTS, job.id)
  redis.call('ZREM', ORDER, job.id)
  redis.call('ZREM', STATUS[job.status], job.id)
  redis.call('ZREM', OPEN_QUEUE, job.id)
  redis.call('ZREM', LEASES, job.id)
  redis.call('ZREM', ENDED, job.id)
  redis.call('ZREM', IMAGES_BY_END, job.id)
  if job.owner then
    redis.call('ZREM', BY_OWNER, owner_member(job))
    redis.call('ZREM', BY_OWNER_STATUS, owner_member(job, job.status))
  end
  return job.status == 'leased' and job.lease_id or ''
end

-- An identity that said a job cannot be processed, whose answer was refused, or that as a volunteer let a lease of
-- the job end without an answer (end-without-result.lua), is never leased it again: the
-- job keeps them in `shunned`, as ',id,id,' (ids have no commas), until retried.
local function shuns(job, identity)
  return job.shunned ~= nil and string.find(job.shunned, ',' .. identity .. ',', 1, true) ~= nil
end
local function shun(job, identity)
  if not shuns(job, identity) then job.shunned = (job.shunned or ',') .. identity .. ',' end
end

-- The networks of a job's volunteers' votes, ',tag,tag,' (a tag once a vote; tags have no commas).
local function voting_networks(attempts)
  local tally = ','
  for _, attempt in ipairs(attempts) do
    if attempt.outcome == 'answered' and attempt.trusted == 0 and attempt.network then tally = tally .. attempt.network .. ',' end
  end
  return tally
end

-- The votes a job's attempts hold (its 'answered' attempts), and their networks, as kept on the job (job.votes,
-- job.voted_networks) so its view and its leases say so without reading attempts.
local function count_votes(attempts)
  local votes = 0
  for _, attempt in ipairs(attempts) do
    if attempt.outcome == 'answered' then votes = votes + 1 end
  end
  return votes, voting_networks(attempts)
end

-- Queued ids read at first, doubled on each read up to SCAN: the head of the queue is almost always taken, and
-- reading a hundred ids to use one cost each lease more than the rest of its work.
local FIRST_READ, SCAN = 2, 128

-- Whether a volunteer's network (its tag, nil for none) holds voters_per_network of a job's votes
-- (MAX_VOTERS_PER_NETWORK): identities are free, so one network's further identities are never dealt a job its
-- voters answered (the twin of sqlite-statements.ts's NETWORK_MAY_VOTE). Read from the tally count_votes keeps; only a
-- job whose votes were counted before it (or were never counted: stored before jobs counted votes) reads its attempts.
local function network_voted(job, network, voters_per_network)
  if not network or job.votes == 0 then return false end
  local tally = job.voted_networks or voting_networks(load_attempts(job.id))
  local votes = 0
  for tag in string.gmatch(tally, '[^,]+') do
    if tag == network then votes = votes + 1 end
  end
  return votes >= voters_per_network
end

-- Whether a job holding `votes` volunteer answers (job.votes, nil for a job stored before jobs counted them; or the
-- votes a reopening would leave it) holds too many: max_answers or more (MAX_ANSWERS_PER_JOB, those of identities
-- blacklisted since included). No volunteer is leased such a job again: vote.lua and reopen.lua make it trusted-only,
-- out of the open queue (reopen.lua, with no trusted worker connected, leaves it done and unverified instead);
-- oldest_for does the same to one left holding that many by a master older than the limit, before it was lowered, or
-- with a higher one on the same Redis. Every such decision of the scripts reads this one (the twin of
-- sqlite-statements.ts's answersFull).
local function answers_full(votes, max_answers)
  return (votes or 0) >= max_answers
end

-- The JSON of each job oldest_for made trusted-only in this script's run, for the script to hand back (CappedJobs in
-- job-store.ts): the lifecycle announces them. Left empty, the reply is as it was.
local capped = {}

-- The oldest queued job this worker may take (lease.lua), among the first scan_limit, or nil. A volunteer reads the open
-- queue, which holds no trusted-only job: private jobs waiting for the fleet cost its lease nothing. A job there
-- holding max_answers answers is made trusted-only as it is passed over and let go like a stale id, so that it takes
-- no volunteer's scan again: left there, LEASE_SCAN_LIMIT of them at the head would leave every volunteer idle.
local function oldest_for(identity, trusted, network, voters_per_network, max_answers, scan_limit)
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
      elseif trusted ~= 1 and answers_full(job.votes, max_answers) then
        job.trusted_only = 1
        capped[#capped + 1] = save_job(job)
        redis.call('ZREM', queue, id)
        stale = stale + 1
      elseif not shuns(job, identity) and not (trusted ~= 1 and network_voted(job, network, voters_per_network)) then
        return job
      end
    end
    -- What was read, less what was let go (the ids after them moved up): the last read may be shorter than asked.
    from, read = from + #ids - stale, math.min(read * 2, SCAN)
  end
  return nil
end
