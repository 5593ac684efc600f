-- ARGV: prefix, now, idempotency key ('' for none), max pending jobs, then per job: id, file name, content type, image bytes.
-- Returns {'created' or 'replayed', {{job fields}...}}, a replay listing the jobs the key created that still exist;
-- or {'queue-full'}, storing nothing, when the queued and leased jobs would pass the limit.
local now, idempotency, max_pending = ARGV[2], ARGV[3], tonumber(ARGV[4])
if idempotency ~= '' then
  local known = redis.call('HGET', idempotency_key, idempotency)
  if known then
    local jobs = {}
    for _, id in ipairs(cjson.decode(known)) do
      local fields = job_reply(id)
      if #fields > 0 then jobs[#jobs + 1] = fields end
    end
    return { 'replayed', jobs }
  end
end
local new_jobs = (#ARGV - 4) / 4
if redis.call('ZCARD', status_key('queued')) + redis.call('ZCARD', status_key('leased')) + new_jobs > max_pending then
  return { 'queue-full' }
end

local ids, jobs = {}, {}
for i = 5, #ARGV, 4 do
  local id, image = ARGV[i], ARGV[i + 3]
  local seq = redis.call('INCR', seq_key)
  redis.call('HSET', job_key(id), 'seq', seq, 'id', id, 'status', 'queued', 'attempts', 0, 'failures', 0,
    'file_name', ARGV[i + 1], 'content_type', ARGV[i + 2], 'size', #image, 'submitted_at', now)
  redis.call('SET', image_key(id), image)
  redis.call('ZADD', all_jobs_key, seq, id)
  redis.call('ZADD', status_key('queued'), seq, id)
  ids[#ids + 1] = id
  jobs[#jobs + 1] = job_reply(id)
end
if idempotency ~= '' then redis.call('HSET', idempotency_key, idempotency, cjson.encode(ids)) end
return { 'created', jobs }
