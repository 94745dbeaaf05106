--[[
  Make a paused agent (or one in wrap-up) available again; on a call or ringing, cancels a pending
  pause instead.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  agent id
  Reply    JSON { state (the agent's), notices }
  Errors   NOT_LOGGED_IN
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/agents"
--- @include "includes/match"

local now = tonumber(ARGV[2])
local agentId = ARGV[3]
local ak = K.agent(agentId)
local a = loadAgent(agentId)
if a.state == nil or a.state == 'logged-out' then return redis.error_reply('NOT_LOGGED_IN agent ' .. agentId) end
if a.state == 'on-call' or a.state == 'reserved' then
  redis.call('HDEL', ak, 'pause_pending')
  return finish({ state = a.state })
end
if a.state == 'available' then return finish({ state = 'available' }) end
if a.state == 'wrap-up' then redis.call('ZREM', K.timers(), 'wrap|' .. agentId) end
a.idle_since = fmt(now)
setAgentState(agentId, a, 'available', now, '', { 'rna', '0', 'idle_since', a.idle_since })
tryMatchAgent(agentId, now, a)
return finish({ state = redis.call('HGET', ak, 'state') })
