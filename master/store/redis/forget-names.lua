-- KEYS: volunteer hashes (redis-volunteer-ledger.ts) of identities retention forgot.
-- Deletes each that holds no credit, a name alone; one script, so a credit recorded meanwhile is never deleted.
-- Returns how many it deleted.
local deleted = 0
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('HGET', key, 'images') or '0') == 0 then deleted = deleted + redis.call('DEL', key) end
end
return deleted
