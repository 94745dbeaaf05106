--[[
  A connected call ended (either side hung up): the agent goes to wrap-up, or is freed at once
  when its queue has no wrap-up (to the pause it asked for during the call, or to available).
  The completed event carries the agent's next state.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  tenant
  ARGV[4]  call id
  ARGV[5]  ended by: caller | agent | system
  Reply    JSON { state = 'completed', talkMs, notices }, or { state = 'unknown' }
  Errors   NOT_CONNECTED
]]
--- @include "includes/context"
--- @include "includes/calls"
--- @include "includes/complete_call"

local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local c = loadCall(ref)
if not c then return finish({ state = 'unknown' }) end
if c.state ~= 'connected' then
  return redis.error_reply('NOT_CONNECTED call ' .. ref .. ' is ' .. c.state)
end
local talk = completeCall(ref, c, now, ARGV[5])
return finish({ state = 'completed', talkMs = talk })
