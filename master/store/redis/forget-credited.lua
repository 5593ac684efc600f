-- KEYS: credited (record-credit.lua). ARGV: remembered by (ms), batch size.
-- Retention: forgets at most a batch of credited pairs last remembered by then, oldest first; one script, so a pair
-- credited again meanwhile is either kept with its new time or forgotten before it. Returns how many it forgot.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
call_in_slices('ZREM', KEYS[1], due)
return #due
