-- KEYS: credited (sorted set: "job id volunteer id" by when last credited), ranking, the volunteer's hash, then the
-- images and compute-time hashes by browser and by backend. All under {volunteers}, so it runs on Redis Cluster.
-- ARGV: job id, volunteer id, now (ms), browser, backend, compute ms.
-- Credits the volunteer for the job unless it was credited for it already; either way the pair is remembered as of
-- now. Returns 1 when it credited, 0 when the pair was known.
local pair = ARGV[1] .. ' ' .. ARGV[2]
if redis.call('ZADD', KEYS[1], 'GT', ARGV[3], pair) == 0 then
  -- GT leaves a later time as it is; a known pair added nothing.
  return 0
end
redis.call('ZINCRBY', KEYS[2], 1, ARGV[2])
redis.call('HINCRBY', KEYS[3], 'images', 1)
redis.call('HINCRBYFLOAT', KEYS[3], 'computeMs', ARGV[6])
redis.call('HINCRBY', KEYS[4], ARGV[4], 1)
redis.call('HINCRBYFLOAT', KEYS[5], ARGV[4], ARGV[6])
redis.call('HINCRBY', KEYS[6], ARGV[5], 1)
redis.call('HINCRBYFLOAT', KEYS[7], ARGV[5], ARGV[6])
return 1
