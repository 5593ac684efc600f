-- attempt-rules.ts in Lua, so that fail and release decide a job's fate in the
-- same atomic step that ends the attempt. redis-store.test.ts checks that
-- after_attempt agrees with afterAttempt on every case.

-- What happens to a job when an attempt ends without a result: only failures
-- and expiries use up attempts; the lease cap ends crash loops.
local function after_attempt(leases, failures, outcome, retryable, max_attempts, max_leases)
  if outcome == 'failed' or outcome == 'expired' then failures = failures + 1 end
  if not retryable or failures >= max_attempts or leases >= max_leases then return 'failed', failures end
  return 'queued', failures
end

-- The reason a job failed for good, naming every attempt (decoded attempt rows, in order).
local function final_error(attempts)
  local parts = {}
  for i, a in ipairs(attempts) do
    local part = 'attempt ' .. a.attempt .. ' on ' .. a.worker_name .. ': ' .. a.outcome
    if a.reason ~= cjson.null and a.reason ~= '' then part = part .. ' (' .. a.reason .. ')' end
    parts[i] = part
  end
  return table.concat(parts, '; ')
end
