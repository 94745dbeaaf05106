--[[
  Reserve agents for a call: the call leaves the waiting lists (or its referent's list) and rings
  for `ring_ms`; each agent is reserved (`listed`: the agents are in the available lists, and
  leave them). The owner of the call is offered it.
]]
--- @include "context"
--- @include "agents"
--- @include "calls"

local function reserve(ref, c, agents, now, listed)
  if c.state == 'referred' then
    redis.call('ZREM', K.agentReferred(c.referent), ref)
  else
    takeFromQueue(c)
  end
  local ck = K.call(c.tenant, c.id)
  local ringMs = tonumber(redis.call('HGET', K.queue(c.tenant, c.queue), 'ring_ms')) or 20000
  local resId = redis.call('HINCRBY', ck, 'res_count', 1)
  redis.call('HSET', ck, 'state', 'reserved', 'agents', table.concat(agents, ','), 'res_at', fmt(now))
  c.state = 'reserved'
  redis.call('ZADD', K.timers(), fmt(now + ringMs), 'res|' .. ref)
  for _, agentId in ipairs(agents) do
    if listed then removeAvailable(agentId) end
    local f = redis.call('HMGET', K.agent(agentId), 'state', 'tenants')
    setAgentState(agentId, { state = f[1], tenants = f[2] }, 'reserved', now, '', { 'call', ref }, true)
  end
  local waited = now - tonumber(c.enq)
  emit(c.tenant, 'reserved', now, { 'call', c.id, 'queue', c.queue, 'agents', table.concat(agents, ','), 'wait_ms', fmt(waited), 'attempt', tostring(resId) })
  notify(c.owner, { type = 'offer', tenant = c.tenant, call = c.id, queue = c.queue, agents = agents, attempt = resId, ringMs = ringMs })
end
