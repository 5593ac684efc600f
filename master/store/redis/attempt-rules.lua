-- What happens to a job when an attempt ends without a result: the twin of
-- attempt-rules.ts (a test holds them to the same answers). Attempts are
-- counted by who made them: each trusted attempt on its own, a volunteer
-- identity once however often it returns; a volunteer's "cannot be processed"
-- fails the job only when failure_quorum identities agree, a trusted worker's
-- at once; an answered lease (a vote) uses up no lease. Attempts stored before
-- identities have no `trusted` and count as trusted.
local function voter(a)
  if a.trusted == 0 then return 'volunteer:' .. a.identity end
  return 'trusted#' .. a.attempt
end

-- attempts: decoded attempt rows, the one just ended included. Returns the next status and the failures counted.
local function after_attempt(attempts, max_attempts, max_leases, failure_quorum)
  local leased_by, failed_by, final_by = {}, {}, {}
  local leases, failures, finals, final_by_trusted = 0, 0, 0, false
  for _, a in ipairs(attempts) do
    local v = voter(a)
    if a.outcome ~= 'answered' and not leased_by[v] then leased_by[v], leases = true, leases + 1 end
    if (a.outcome == 'failed' or a.outcome == 'expired') and not failed_by[v] then failed_by[v], failures = true, failures + 1 end
    if a.outcome == 'failed' and a.final == 1 then
      if a.trusted ~= 0 then final_by_trusted = true end
      if not final_by[v] then final_by[v], finals = true, finals + 1 end
    end
  end
  if final_by_trusted or finals >= failure_quorum or failures >= max_attempts or leases >= max_leases then return 'failed', failures end
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
