--[[
  Take one channel of a trunk in one direction if under the cap (a call already holding one
  keeps it).

  KEYS[1]  pool prefix acd:{<pool>} of the trunk's tenant
  ARGV[1]  tenant
  ARGV[2]  trunk id
  ARGV[3]  direction: in | out
  ARGV[4]  channel id (the call's)
  ARGV[5]  instance taking the channel
  ARGV[6]  cap: channels of the trunk in that direction
  Reply    1 taken (or already held), 0 the trunk is full
]]
local channels = K.trunkChannels(ARGV[1], ARGV[2], ARGV[3])
if redis.call('HEXISTS', channels, ARGV[4]) == 1 then return 1 end
if redis.call('HLEN', channels) >= tonumber(ARGV[6]) then return 0 end
redis.call('HSET', channels, ARGV[4], ARGV[5])
return 1
