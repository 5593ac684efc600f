-- KEYS: credited (record-credit.lua). ARGV: remembered by (ms), batch size.
-- Retention: forgets at most a batch of credited pairs last remembered by then, oldest first; one script, so a pair
-- credited again meanwhile is either kept with its new time or forgotten before it. Returns how many it forgot.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
-- In slices: Lua unpacks at most about 8,000 values at once, and a batch may be up to 100,000.
for first = 1, #due, 1000 do redis.call('ZREM', KEYS[1], unpack(due, first, math.min(first + 999, #due))) end
return #due
