-- What happens to a job when an attempt ends without a result: the twin of
-- attempt-rules.ts (a test holds them to the same answers). Only trusted
-- workers' attempts can fail a job, each counting on its own; a volunteer
-- identity counts once however often it returns, the identities of one network
-- once together, and when the volunteers reach a cap (max attempts, max
-- leases, failure_quorum of them saying the job cannot be processed) the job
-- goes to trusted workers only. An answered
-- lease (a vote) uses up no lease, nor one recovered from a dead master. Attempts stored before identities have no
-- `trusted` and count as trusted.
local WAITS_FOR_TRUSTED = 'volunteers could not process it: it waits for a trusted worker'

-- Independent voters among the attempts that `counted`: each trusted attempt on its own; volunteers by distinct
-- identity, never more than the distinct networks they came from (an attempt with no network counts as its
-- identity's own).
local function distinct_voters(attempts, counted)
  local trusted, identities, networks = 0, {}, {}
  local n_identities, n_networks = 0, 0
  for _, a in ipairs(attempts) do
    if counted(a) then
      if a.trusted ~= 0 then
        trusted = trusted + 1
      else
        local network = a.network or ('identity:' .. a.identity)
        if not identities[a.identity] then identities[a.identity], n_identities = true, n_identities + 1 end
        if not networks[network] then networks[network], n_networks = true, n_networks + 1 end
      end
    end
  end
  return trusted + math.min(n_identities, n_networks)
end

local function failed_or_expired(a) return a.outcome == 'failed' or a.outcome == 'expired' end
-- A lease recovered from a master restarted or taken for dead tells nothing of the job: it uses up no lease either.
local function unanswered(a) return a.outcome ~= 'answered' and a.outcome ~= 'recovered' end
local function says_final(a) return a.outcome == 'failed' and a.final == 1 end
local function both(first, second) return function(a) return first(a) and second(a) end end
local function by_trusted(a) return a.trusted ~= 0 end
local function by_volunteer(a) return a.trusted == 0 end

-- attempts: decoded attempt rows, the one just ended included.
-- Returns the next status, the failures counted, and whether only trusted workers may take the job now.
local function after_attempt(attempts, max_attempts, max_leases, failure_quorum)
  local function past_caps(of_class)
    return distinct_voters(attempts, both(of_class, failed_or_expired)) >= max_attempts
      or distinct_voters(attempts, both(of_class, unanswered)) >= max_leases
  end
  local failed = distinct_voters(attempts, both(by_trusted, says_final)) > 0 or past_caps(by_trusted)
  local gave_up = distinct_voters(attempts, both(by_volunteer, says_final)) >= failure_quorum or past_caps(by_volunteer)
  return failed and 'failed' or 'queued', distinct_voters(attempts, failed_or_expired), gave_up
end

-- The reason a job failed for good: its last `shown` attempts (decoded attempt rows, in order), each with whose it was;
-- the earlier ones counted, not listed.
local function final_error(attempts, shown)
  local parts = {}
  local first = math.max(1, #attempts - shown + 1)
  if first == 2 then parts[1] = "1 earlier attempt is in the job's timeline" end
  if first > 2 then parts[1] = (first - 1) .. " earlier attempts are in the job's timeline" end
  for i = first, #attempts do
    local a = attempts[i]
    local whose = a.trusted == 0 and 'volunteer' or 'operator fleet'
    local part = 'attempt ' .. a.attempt .. ', worker ' .. a.worker_name .. ' (' .. whose .. '): ' .. a.outcome
    if a.reason ~= cjson.null and a.reason ~= '' then part = part .. ' (' .. a.reason .. ')' end
    parts[#parts + 1] = part
  end
  return table.concat(parts, '; ')
end
