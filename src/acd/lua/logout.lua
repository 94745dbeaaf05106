--[[
  Log an agent out. A ringing offer is withdrawn (the call keeps its place); refused on a call.
  Calls waiting for this agent as their referent fall back to their queues.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  agent id
  Reply    JSON { state = 'logged-out', notices }
  Errors   NOT_LOGGED_IN, AGENT_ON_CALL
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/agents"
--- @include "includes/calls"
--- @include "includes/withdraw"
--- @include "includes/requeue"
--- @include "includes/overflow_rules"

local now = tonumber(ARGV[2])
local agentId = ARGV[3]
local ak = K.agent(agentId)
local a = loadAgent(agentId)
if a.state == nil or a.state == 'logged-out' then return redis.error_reply('NOT_LOGGED_IN agent ' .. agentId) end
if a.state == 'on-call' then return redis.error_reply('AGENT_ON_CALL agent ' .. agentId .. ' is on a call') end
if a.state == 'reserved' then
  local c = loadCall(a.call)
  if c and c.state == 'reserved' then withdrawOffer(a.call, c, agentId, now, 'logout', true) end
end
removeAvailable(agentId)
redis.call('ZREM', K.timers(), 'wrap|' .. agentId)
local quals = redis.call('HGETALL', K.agentQuals(agentId))
local left = {}
for i = 1, #quals, 2 do
  local t, q = parseRef(quals[i])
  redis.call('SREM', K.queueStaffed(t, q), agentId)
  left[#left + 1] = { t, q }
end
redis.call('DEL', K.agentQuals(agentId))
redis.call('SREM', K.agents(), agentId)
redis.call('HDEL', ak, 'call', 'pause_pending')
setAgentState(agentId, a, 'logged-out', now, '')
referredFallBack(agentId, now)
for _, tq in ipairs(left) do unstaffedQueue(tq[1], tq[2], now) end
return finish({ state = 'logged-out' })
