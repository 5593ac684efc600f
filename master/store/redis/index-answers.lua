-- ARGV: where to start ('-inf', or '(' and the last submission number seen), batch size.
-- Jobs done before the answers index existed are not in it: a store written then has them added once, a batch at a
-- time, walking the done jobs by submission number (redis-partition.ts, at connect). Adding a member already there
-- changes nothing, so masters starting at once may both walk.
-- Returns the submission number of the last job seen, or '' when the walk is over.
local found = redis.call('ZRANGEBYSCORE', STATUS.done, ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #found, 2 do index_answers(found[i], load_attempts(found[i])) end
if #found < 2 * tonumber(ARGV[2]) then return '' end
return found[#found]
