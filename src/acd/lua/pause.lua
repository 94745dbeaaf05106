-- Pause an agent with a reason code. On a call the pause waits for the call's end.
-- ARGV: self, now, agentId, reason
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local agentId, reason = ARGV[3], ARGV[4]
local ak = agentKey(agentId)
local a = loadAgent(agentId)
if a.state == nil or a.state == 'logged-out' then return redis.error_reply('NOT_LOGGED_IN agent ' .. agentId) end
if a.state == 'on-call' then
  redis.call('HSET', ak, 'pause_pending', reason)
  return finish({ state = 'on-call', pending = true })
end
if a.state == 'available' then removeAvailable(agentId) end
if a.state == 'wrap-up' then redis.call('ZREM', TIMERS, 'wrap|' .. agentId) end
if a.state == 'reserved' then
  local ref = a.call
  local c = loadCall(ref)
  setAgentState(agentId, a, 'paused', now, reason)
  redis.call('HDEL', ak, 'call')
  if c and c.state == 'reserved' then
    local left = {}
    for _, other in ipairs(split(c.agents, ',')) do if other ~= agentId then left[#left + 1] = other end end
    notify(c.owner, { type = 'withdraw', tenant = c.tenant, call = c.id, agent = agentId })
    emit(c.tenant, 'returned', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'reason', 'paused' })
    if #left > 0 then redis.call('HSET', callKey(ref), 'agents', table.concat(left, ',')) else returnCall(ref, c, now) end
  end
  return finish({ state = 'paused' })
end
setAgentState(agentId, a, 'paused', now, reason)
return finish({ state = 'paused' })
