-- ARGV: job id.
-- Returns {removed (1 or 0), lease id if it was leased, else ''}.
local job = load_job(ARGV[1])
if not job then return { 0, '' } end
return { 1, delete_job(job) }
