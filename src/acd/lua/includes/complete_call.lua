--[[
  A connected call ends: counted, its hash deleted, and its agent goes to wrap-up, or is freed at
  once when the queue has no wrap-up (to the pause it asked for during the call, or to available).
  The completed event carries the agent's next state.
]]
--- @include "util"
--- @include "agents"
--- @include "calls"
--- @include "emit"
--- @include "free_agent"

-- Returns the talk time (ms).
local function completeCall(ref, c, now, endedBy)
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
  forgetCall(ref, c)
  local function told(agentState)
    emit(c.tenant, 'completed', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'agent_state', agentState, 'talk_ms', tostring(talk), 'wait_ms', fmt(tonumber(c.ans) - tonumber(c.enq)), 'ended_by', endedBy })
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
  return talk
end
