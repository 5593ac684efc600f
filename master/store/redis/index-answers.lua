-- ARGV: where to start ('-inf', or '(' and the last submission number seen), batch size.
-- Jobs done before the answers index existed are not in it: a store written then has them added once, a batch at a
-- time (redis-partition.ts, at connect). Adding a member already there changes nothing, so masters starting at once
-- may both walk. Returns what walk_batch does.
return walk_batch('done', ARGV[1], tonumber(ARGV[2]), function(id) index_answers(id, load_attempts(id)) end)
