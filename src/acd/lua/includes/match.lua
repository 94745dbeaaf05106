--[[
  Matching, run whenever a call or an agent becomes ready. A call takes the best available agent
  of its queue's available lists up to its escalation step (by the queue's strategy); an agent
  takes the best call waiting in the queues of its session at the steps it qualifies for.
]]
--- @include "agents"
--- @include "calls"
--- @include "reserve"

-- A probe call (in the lane "<queue>.probe.<probe>") is for its probe agent ("probe.<tenant>.<probe>")
-- only, and a probe agent takes its probe's calls only (src/config/probes.ts).
local function laneFits(agentId, t, q)
  local probe = string.match(q, '%.probe%.(.+)$')
  if probe then return agentId == 'probe.' .. t .. '.' .. probe end
  return string.sub(agentId, 1, 6) ~= 'probe.'
end

-- Find agents for a call that is ready (waiting or referred); reserve when found. The call may or
-- may not be in its queue's lists yet (c.inq).
local function tryMatchCall(ref, c, now)
  if c.state == 'referred' then
    local st = redis.call('HGET', K.agent(c.referent), 'state')
    if st == 'available' and laneFits(c.referent, c.tenant, c.queue) and redis.call('HEXISTS', K.agentQuals(c.referent), c.tenant .. '/' .. c.queue) == 1 then
      reserve(ref, c, { c.referent }, now, true)
      return true
    end
    return false
  end
  if c.state ~= 'waiting' then return false end
  local t, q = c.tenant, c.queue
  local meta = redis.call('HMGET', K.queue(t, q), 'strategy', 'rr')
  local strategy = meta[1]
  local step = tonumber(c.step)
  if strategy == 'ring-all' then
    local all = {}
    for s = 0, step do
      local members = redis.call('ZRANGE', K.queueAvailable(t, q, s), 0, -1)
      for _, m in ipairs(members) do if laneFits(m, t, q) then all[#all + 1] = m end end
    end
    if #all == 0 then return false end
    reserve(ref, c, all, now, true)
    return true
  end
  if strategy == 'random' then
    local total, counts = 0, {}
    for s = 0, step do
      counts[s] = redis.call('ZCARD', K.queueAvailable(t, q, s))
      total = total + counts[s]
    end
    if total == 0 then return false end
    local pick = math.random(total)
    for s = 0, step do
      if pick <= counts[s] then
        local m = redis.call('ZRANGE', K.queueAvailable(t, q, s), pick - 1, pick - 1)
        if not laneFits(m[1], t, q) then return false end
        reserve(ref, c, { m[1] }, now, true)
        return true
      end
      pick = pick - counts[s]
    end
    return false
  end
  local best, bestScore
  local rrLast = tonumber(meta[2]) or -1
  for s = 0, step do
    local r
    if strategy == 'round-robin' then
      r = redis.call('ZRANGEBYSCORE', K.queueAvailable(t, q, s), '(' .. rrLast, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    else
      r = redis.call('ZRANGE', K.queueAvailable(t, q, s), 0, 0, 'WITHSCORES')
    end
    if r[1] and (best == nil or tonumber(r[2]) < bestScore) then best, bestScore = r[1], tonumber(r[2]) end
  end
  if best == nil and strategy == 'round-robin' then
    for s = 0, step do
      local r = redis.call('ZRANGE', K.queueAvailable(t, q, s), 0, 0, 'WITHSCORES')
      if r[1] and (best == nil or tonumber(r[2]) < bestScore) then best, bestScore = r[1], tonumber(r[2]) end
    end
  end
  if best == nil or not laneFits(best, t, q) then return false end
  if strategy == 'round-robin' then redis.call('HSET', K.queue(t, q), 'rr', fmt(bestScore)) end
  reserve(ref, c, { best }, now, true)
  return true
end

-- A waiting call not in the lists: offer it now, or put it in its place.
local function matchOrQueue(ref, c, now)
  if tryMatchCall(ref, c, now) then return true end
  putInQueue(c)
  return false
end

-- An agent is ready: take the best call it qualifies for, else join the available lists.
-- `a`: the agent's fields when the caller has them (state, tenants, idle_since, calls, talk_ms).
local function tryMatchAgent(agentId, now, a)
  a = a or loadAgent(agentId)
  if a.state ~= 'available' then return false end
  local referred = redis.call('ZRANGE', K.agentReferred(agentId), 0, 0)
  if referred[1] then
    local c = loadCall(referred[1])
    if c and c.state == 'referred' and laneFits(agentId, c.tenant, c.queue) then
      reserve(referred[1], c, { agentId }, now, false)
      return true
    end
  end
  local quals = redis.call('HGETALL', K.agentQuals(agentId))
  local bestRef, bestScore, bestStrategy
  for i = 1, #quals, 2 do
    local step, _, _, strategy, nsteps = parseQual(quals[i + 1])
    local t, q = parseRef(quals[i])
    for s = step, (laneFits(agentId, t, q) and nsteps or 0) - 1 do
      local r = redis.call('ZRANGE', K.queueStep(t, q, s), 0, 0, 'WITHSCORES')
      if r[1] and (bestRef == nil or tonumber(r[2]) < bestScore) then
        bestRef, bestScore, bestStrategy = t .. '/' .. r[1], tonumber(r[2]), strategy
      end
    end
  end
  if bestRef == nil then
    addAvailable(agentId, a, quals)
    return false
  end
  local c = loadCall(bestRef)
  if bestStrategy == 'ring-all' then
    addAvailable(agentId, a, quals)
    return tryMatchCall(bestRef, c, now)
  end
  reserve(bestRef, c, { agentId }, now, false)
  return true
end
