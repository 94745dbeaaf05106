-- How the call to the customer of a callback went, once its reserved agent answered.
-- connected: the customer is on the line (talk time counts from now).
-- busy / no-answer / failed: the agent is free again; the callback waits `retry_ms` out of the
-- queue, then takes its original place again, until `max_attempts` attempts have failed.
-- ARGV: self, now, tenant, callId, outcome, retry_ms, max_attempts
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local outcome = ARGV[5]
local c = loadCall(ref)
if not c or not c.callback then return redis.error_reply('NO_SUCH_CALLBACK call ' .. ref .. ' is not a callback') end
if c.state ~= 'connected' then return redis.error_reply('NOT_CONNECTED call ' .. ref .. ' is ' .. c.state) end
local attempt = redis.call('HINCRBY', callKey(ref), 'cb_tries', 1)
local agentId = c.agent
local pending = queueKey(c.tenant .. '/' .. c.queue) .. ':callbacks'
if outcome == 'connected' then
  redis.call('ZREM', pending, c.id)
  redis.call('HSET', callKey(ref), 'ans', NOWS)
  stat(c, 'callbacks_connected')
  emit(c.tenant, 'callback_connected', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'number', c.callback, 'attempt', tostring(attempt), 'wait_ms', fmt(now - tonumber(c.cb_at)) })
  return finish({ state = 'connected', attempt = attempt })
end
-- the agent goes straight back to work: no call was handled
local ak = agentKey(agentId)
local a = loadAgent(agentId)
local nextState = a.state
redis.call('HDEL', ak, 'call')
if a.state == 'on-call' then
  if a.pause_pending and a.pause_pending ~= '' then
    nextState = 'paused'
    redis.call('HDEL', ak, 'pause_pending')
    setAgentState(agentId, a, 'paused', now, a.pause_pending, nil, true)
  else
    nextState = 'available'
    setAgentState(agentId, a, 'available', now, '', nil, true)
  end
end
local final = attempt >= tonumber(ARGV[7])
local due = now + tonumber(ARGV[6])
if not final and due >= tonumber(c.max_at) then final = true end
emit(c.tenant, 'callback_failed', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'agent_state', nextState, 'number', c.callback, 'attempt', tostring(attempt), 'outcome', outcome, 'final', final and 'yes' or 'no' })
if final then
  redis.call('ZREM', pending, c.id)
  stat(c, 'callbacks_failed')
  redis.call('DEL', callKey(ref))
else
  stat(c, 'callback_retries')
  redis.call('HSET', callKey(ref), 'state', 'retry')
  redis.call('HDEL', callKey(ref), 'agent', 'ans')
  redis.call('ZADD', TIMERS, fmt(due), 'cbr|' .. ref)
  redis.call('ZADD', TIMERS, c.max_at, 'max|' .. ref)
end
if nextState == 'available' then tryMatchAgent(agentId, now, a) end
return finish({ state = final and 'failed' or 'retry', attempt = attempt })
