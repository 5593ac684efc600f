-- Runs a command on one key with many values, in slices: Lua unpacks at most about 8,000 values at once, and a
-- retention batch may hold up to 100,000. Scripts that need it start with this file (lua-scripts.ts: slicedScript).
local function call_in_slices(command, key, values)
  for first = 1, #values, 1000 do redis.call(command, key, unpack(values, first, math.min(first + 999, #values))) end
end
