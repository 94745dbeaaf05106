-- An offered agent answered: the call is connected to it; other ring-all agents are released.
-- ARGV: self, now, tenant, callId, agentId
SELF = ARGV[1]
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
redis.call('HSET', callKey(ref), 'state', 'connected', 'agent', agentId, 'ans', fmt(now))
redis.call('HDEL', callKey(ref), 'agents')
local a = loadAgent(agentId)
setAgentState(agentId, a, 'on-call', now, '', { 'call', ref, 'rna', '0' }, true)
local waited = now - tonumber(c.enq)
local qk = queueKey(c.tenant .. '/' .. c.queue)
local slMs = tonumber(redis.call('HGET', qk, 'sl_ms')) or 20000
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
