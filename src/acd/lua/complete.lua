-- A connected call ended (either side hung up): the agent goes to wrap-up.
-- A call not yet connected is abandoned instead. ARGV: self, now, tenant, callId, endedBy
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local c = loadCall(ref)
if not c then return finish({ state = 'unknown' }) end
if c.state ~= 'connected' then
  return redis.error_reply('NOT_CONNECTED call ' .. ref .. ' is ' .. c.state)
end
local agentId = c.agent
local talk = now - tonumber(c.ans)
local a = loadAgent(agentId)
a.calls = redis.call('HINCRBY', agentKey(agentId), 'calls', 1)
a.talk_ms = redis.call('HINCRBY', agentKey(agentId), 'talk_ms', math.floor(talk))
redis.call('HDEL', agentKey(agentId), 'call')
local qk = queueKey(c.tenant .. '/' .. c.queue)
local wrapMs = tonumber(redis.call('HGET', qk, 'wrap_ms')) or 0
stat(c, 'completed')
stat(c, 'talk_ms', math.floor(talk))
emit(c.tenant, 'completed', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'talk_ms', fmt(talk), 'wait_ms', fmt(tonumber(c.ans) - tonumber(c.enq)), 'ended_by', ARGV[5] })
redis.call('DEL', callKey(ref))
if a.state == 'on-call' then
  if wrapMs > 0 then
    setAgentState(agentId, a, 'wrap-up', now, '', { 'wrap_tenant', c.tenant })
    redis.call('ZADD', TIMERS, fmt(now + wrapMs), 'wrap|' .. agentId)
  elseif a.pause_pending and a.pause_pending ~= '' then
    redis.call('HDEL', agentKey(agentId), 'pause_pending')
    setAgentState(agentId, a, 'paused', now, a.pause_pending)
  else
    redis.call('HSET', agentKey(agentId), 'idle_since', fmt(now))
    a.idle_since = fmt(now)
    setAgentState(agentId, a, 'available', now, '')
    tryMatchAgent(agentId, now, a)
  end
end
return finish({ state = 'completed', talkMs = talk })
