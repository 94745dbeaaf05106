-- Release the channels held by instances that are no longer alive.
-- KEYS[1] channels hash (call -> instance); ARGV[1] prefix of the instances' alive keys
local held = redis.call('HGETALL', KEYS[1])
local released = 0
for i = 1, #held, 2 do
  if redis.call('EXISTS', ARGV[1] .. held[i + 1] .. ':alive') == 0 then
    redis.call('HDEL', KEYS[1], held[i])
    released = released + 1
  end
end
return released
