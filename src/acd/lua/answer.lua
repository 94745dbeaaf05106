--[[
  An offered agent answered: the call is connected to it; the other agents a ring-all call rang
  are released.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  tenant
  ARGV[4]  call id
  ARGV[5]  agent id
  Reply    JSON { state = 'connected', waitMs, queue, callback (boolean), notices }
  Errors   NOT_OFFERED (the call is not ringing, or not for this agent)
]]
--- @include "includes/context"
--- @include "includes/calls"
--- @include "includes/agents"
--- @include "includes/emit"
--- @include "includes/release"

local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local agentId = ARGV[5]
local c = loadCall(ref)
if not c or c.state ~= 'reserved' then return redis.error_reply('NOT_OFFERED call ' .. ref .. ' is not ringing') end
local offered = split(c.agents, ',')
local found = false
for _, a in ipairs(offered) do if a == agentId then found = true end end
if not found then return redis.error_reply('NOT_OFFERED call ' .. ref .. ' was not offered to ' .. agentId) end
clearCallTimers(ref)
local ck = K.call(c.tenant, c.id)
redis.call('HSET', ck, 'state', 'connected', 'agent', agentId, 'ans', fmt(now))
redis.call('HDEL', ck, 'agents')
local a = loadAgent(agentId)
setAgentState(agentId, a, 'on-call', now, '', { 'call', ref, 'rna', '0' }, true)
local waited = now - tonumber(c.enq)
local slMs = tonumber(redis.call('HGET', K.queue(c.tenant, c.queue), 'sl_ms')) or 20000
-- a callback's agent is connected before the customer is called: it is counted apart (callback_result)
if not c.callback then
  stat(c, 'answered')
  stat(c, 'wait_ms', math.floor(waited))
  if waited <= slMs then stat(c, 'answered_in_sl') end
end
emit(c.tenant, 'connected', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'wait_ms', fmt(waited), 'callback', c.callback or '' })
local maxNoAnswer = maxNoAnswerSetting()
for _, other in ipairs(offered) do
  if other ~= agentId then releaseAgent(other, now, false, maxNoAnswer) end
end
return finish({ state = 'connected', waitMs = waited, queue = c.queue, callback = c.callback ~= nil })
