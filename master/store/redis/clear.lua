-- ARGV: batch size.
-- Removes the oldest jobs, at most a batch of them, so that clearing a large
-- store never blocks Redis for long; the caller repeats until none are left.
-- The last batch also forgets every idempotency key (the submission counter
-- stays, as in sqlite). Returns {{job id, lease id or ''}...}, done (1 or 0)}.
local removed = {}
for _, id in ipairs(redis.call('ZRANGE', ORDER, 0, tonumber(ARGV[1]) - 1)) do
  removed[#removed + 1] = { id, delete_job(load_job(id)) }
end
if redis.call('ZCARD', ORDER) > 0 then return { removed, 0 } end
redis.call('UNLINK', IDEMPOTENCY, IDEMPOTENCY_AGE)
return { removed, 1 }
