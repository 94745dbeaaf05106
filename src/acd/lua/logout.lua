-- Log an agent out. A ringing offer is withdrawn (the call keeps its place); refused on a call.
-- ARGV: self, now, agentId
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local agentId = ARGV[3]
local ak = agentKey(agentId)
local a = loadAgent(agentId)
if a.state == nil or a.state == 'logged-out' then return redis.error_reply('NOT_LOGGED_IN agent ' .. agentId) end
if a.state == 'on-call' then return redis.error_reply('AGENT_ON_CALL agent ' .. agentId .. ' is on a call') end
if a.state == 'reserved' then
  local ref = a.call
  local c = loadCall(ref)
  if c and c.state == 'reserved' then
    local left = {}
    for _, other in ipairs(split(c.agents, ',')) do if other ~= agentId then left[#left + 1] = other end end
    notify(c.owner, { type = 'withdraw', tenant = c.tenant, call = c.id, agent = agentId })
    emit(c.tenant, 'returned', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'reason', 'logout' })
    if #left > 0 then redis.call('HSET', callKey(ref), 'agents', table.concat(left, ',')) else returnCall(ref, c, now) end
  end
end
removeAvailable(agentId)
redis.call('ZREM', TIMERS, 'wrap|' .. agentId)
local quals = redis.call('HGETALL', ak .. ':quals')
for i = 1, #quals, 2 do redis.call('SREM', queueKey(quals[i]) .. ':staffed', agentId) end
redis.call('DEL', ak .. ':quals')
redis.call('SREM', P .. ':agents', agentId)
redis.call('HDEL', ak, 'call', 'pause_pending')
setAgentState(agentId, a, 'logged-out', now, '')
-- Calls that waited for this referent fall back to their queues now.
local referred = redis.call('ZRANGE', ak .. ':referred', 0, -1)
redis.call('DEL', ak .. ':referred')
for _, ref in ipairs(referred) do
  local c = loadCall(ref)
  if c and c.state == 'referred' then
    redis.call('ZREM', TIMERS, 'ref|' .. ref)
    c.state = 'waiting'
    redis.call('HSET', callKey(ref), 'state', 'waiting')
    matchOrQueue(ref, c, now)
  end
end
return finish({ state = 'logged-out' })
