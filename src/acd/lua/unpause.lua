-- Make a paused agent (or one in wrap-up) available again; cancels a pending pause.
-- ARGV: self, now, agentId
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local agentId = ARGV[3]
local ak = agentKey(agentId)
local a = loadAgent(agentId)
if a.state == nil or a.state == 'logged-out' then return redis.error_reply('NOT_LOGGED_IN agent ' .. agentId) end
if a.state == 'on-call' or a.state == 'reserved' then
  redis.call('HDEL', ak, 'pause_pending')
  return finish({ state = a.state })
end
if a.state == 'available' then return finish({ state = 'available' }) end
if a.state == 'wrap-up' then redis.call('ZREM', TIMERS, 'wrap|' .. agentId) end
redis.call('HSET', ak, 'rna', '0', 'idle_since', fmt(now))
a.idle_since = fmt(now)
setAgentState(agentId, a, 'available', now, '')
tryMatchAgent(agentId, now, a)
return finish({ state = redis.call('HGET', ak, 'state') })
