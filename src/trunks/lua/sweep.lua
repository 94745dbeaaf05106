--[[
  Release the channels of a trunk in one direction held by instances that are no longer alive
  (their heartbeat key expired).

  KEYS[1]  pool prefix acd:{<pool>} of the trunk's tenant
  ARGV[1]  tenant
  ARGV[2]  trunk id
  ARGV[3]  direction: in | out
  Reply    how many channels were released
]]
local channels = K.trunkChannels(ARGV[1], ARGV[2], ARGV[3])
local held = redis.call('HGETALL', channels)
local released = 0
for i = 1, #held, 2 do
  if redis.call('EXISTS', K.alive(held[i + 1])) == 0 then
    redis.call('HDEL', channels, held[i])
    released = released + 1
  end
end
return released
