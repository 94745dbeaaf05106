-- Take one channel of a trunk in one direction if under the cap.
-- KEYS[1] channels hash (call -> instance), ARGV: call, instance, cap
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
