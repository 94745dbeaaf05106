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
--- @include "includes/emit"
--- @include "includes/free_agent"

local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local c = loadCall(ref)
if not c then return finish({ state = 'unknown' }) end
if c.state ~= 'connected' then
  return redis.error_reply('NOT_CONNECTED call ' .. ref .. ' is ' .. c.state)
end
local agentId = c.agent
local ak = K.agent(agentId)
local talk = math.floor(now - tonumber(c.ans))
local a = loadAgent(agentId)
a.calls = redis.call('HINCRBY', ak, 'calls', 1)
a.talk_ms = redis.call('HINCRBY', ak, 'talk_ms', talk)
local wrapMs = tonumber(redis.call('HGET', K.queue(c.tenant, c.queue), 'wrap_ms')) or 0
stat(c, 'completed')
stat(c, 'talk_ms', talk)
if c.callback then redis.call('ZREM', K.queueCallbacks(c.tenant, c.queue), c.id) end
redis.call('DEL', K.call(c.tenant, c.id))
local function told(agentState)
  emit(c.tenant, 'completed', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'agent_state', agentState, 'talk_ms', tostring(talk), 'wait_ms', fmt(tonumber(c.ans) - tonumber(c.enq)), 'ended_by', ARGV[5] })
end
if a.state ~= 'on-call' then
  told(a.state)
elseif wrapMs > 0 then
  setAgentState(agentId, a, 'wrap-up', now, '', { 'wrap_tenant', c.tenant }, true)
  redis.call('HDEL', ak, 'call')
  redis.call('ZADD', K.timers(), fmt(now + wrapMs), 'wrap|' .. agentId)
  told('wrap-up')
else
  freeAgent(agentId, a, now, NOWS, true, told)
end
return finish({ state = 'completed', talkMs = talk })
