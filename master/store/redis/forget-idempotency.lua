-- ARGV: used by (ms), batch size.
-- Retention: forgets at most a batch of idempotency keys first used by then, oldest first, with the job ids each
-- names. Atomic, so a key used again meanwhile (a create after it expired scores it anew) is not forgotten. Returns
-- the keys it forgot.
local expired = redis.call('ZRANGEBYSCORE', IDEMPOTENCY_AGE, '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, key in ipairs(expired) do
  redis.call('HDEL', IDEMPOTENCY, key)
  redis.call('ZREM', IDEMPOTENCY_AGE, key)
end
return expired
