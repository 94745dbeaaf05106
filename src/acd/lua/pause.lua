--[[
  Pause an agent with a reason code. On a call the pause waits for the call's end; a ringing offer
  is withdrawn (the call keeps its place); wrap-up ends.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  agent id
  ARGV[4]  reason code
  Reply    JSON { state = 'paused' | 'on-call', pending (true: applies when the call ends), notices }
  Errors   NOT_LOGGED_IN
]]
--- @include "includes/context"
--- @include "includes/agents"
--- @include "includes/calls"
--- @include "includes/withdraw"

local now = tonumber(ARGV[2])
local agentId, reason = ARGV[3], ARGV[4]
local ak = K.agent(agentId)
local a = loadAgent(agentId)
if a.state == nil or a.state == 'logged-out' then return redis.error_reply('NOT_LOGGED_IN agent ' .. agentId) end
if a.state == 'on-call' then
  redis.call('HSET', ak, 'pause_pending', reason)
  return finish({ state = 'on-call', pending = true })
end
if a.state == 'available' then removeAvailable(agentId) end
if a.state == 'wrap-up' then redis.call('ZREM', K.timers(), 'wrap|' .. agentId) end
if a.state == 'reserved' then
  local ref = a.call
  local c = loadCall(ref)
  setAgentState(agentId, a, 'paused', now, reason)
  redis.call('HDEL', ak, 'call')
  if c and c.state == 'reserved' then withdrawOffer(ref, c, agentId, now, 'paused', true) end
  return finish({ state = 'paused' })
end
setAgentState(agentId, a, 'paused', now, reason)
return finish({ state = 'paused' })
