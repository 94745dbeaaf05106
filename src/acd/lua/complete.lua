-- A connected call ended (either side hung up): the agent goes to wrap-up (or straight back to
-- work without wrap-up, or to a pause asked for during the call). The completed event carries the
-- agent's new state. ARGV: self, now, tenant, callId, endedBy
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local c = loadCall(ref)
if not c then return finish({ state = 'unknown' }) end
if c.state ~= 'connected' then
  return redis.error_reply('NOT_CONNECTED call ' .. ref .. ' is ' .. c.state)
end
local agentId = c.agent
local ak = agentKey(agentId)
local talk = math.floor(now - tonumber(c.ans))
local a = loadAgent(agentId)
a.calls = redis.call('HINCRBY', ak, 'calls', 1)
a.talk_ms = redis.call('HINCRBY', ak, 'talk_ms', talk)
local wrapMs = tonumber(redis.call('HGET', queueKey(c.tenant .. '/' .. c.queue), 'wrap_ms')) or 0
stat(c, 'completed')
stat(c, 'talk_ms', talk)
if c.callback then redis.call('ZREM', queueKey(c.tenant .. '/' .. c.queue) .. ':callbacks', c.id) end
redis.call('DEL', callKey(ref))
local next = nil
if a.state == 'on-call' then
  if wrapMs > 0 then
    next = 'wrap-up'
    setAgentState(agentId, a, 'wrap-up', now, '', { 'wrap_tenant', c.tenant }, true)
    redis.call('HDEL', ak, 'call')
    redis.call('ZADD', TIMERS, fmt(now + wrapMs), 'wrap|' .. agentId)
  elseif a.pause_pending and a.pause_pending ~= '' then
    next = 'paused'
    redis.call('HDEL', ak, 'call', 'pause_pending')
    setAgentState(agentId, a, 'paused', now, a.pause_pending, nil, true)
  else
    next = 'available'
    redis.call('HDEL', ak, 'call')
    a.idle_since = NOWS
    setAgentState(agentId, a, 'available', now, '', { 'idle_since', NOWS }, true)
  end
end
emit(c.tenant, 'completed', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'agent_state', next or a.state, 'talk_ms', tostring(talk), 'wait_ms', fmt(tonumber(c.ans) - tonumber(c.enq)), 'ended_by', ARGV[5] })
if next == 'available' then tryMatchAgent(agentId, now, a) end
return finish({ state = 'completed', talkMs = talk })
