-- Shared helpers, prepended to every ACD script by the loader (src/acd/scripts.ts).
-- KEYS[1] is the pool prefix "acd:{<pool>}": every key a script touches starts with it,
-- so each script stays in one Redis Cluster hash slot.
local P = KEYS[1]
local NOWS = ARGV[2]
local MAX_EVENTS = 100000

local function fmt(n) return string.format('%.0f', n) end

local function split(s, sep)
  local out = {}
  if s == nil or s == false or s == '' then return out end
  for part in string.gmatch(s, '([^' .. sep .. ']+)') do out[#out + 1] = part end
  return out
end

-- "tenant/id" -> tenant, id
local function parseRef(ref)
  local t, id = string.match(ref, '^([^/]+)/(.+)$')
  return t, id
end

local function queueKey(qid)
  local t, q = parseRef(qid)
  return P .. ':t:' .. t .. ':q:' .. q
end
local function callKey(ref)
  local t, c = parseRef(ref)
  return P .. ':t:' .. t .. ':call:' .. c
end
local function agentKey(a) return P .. ':agent:' .. a end
local TIMERS = P .. ':timers'

local function hashToTable(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function emit(tenant, kind, now, fields)
  local args = { 'XADD', P .. ':t:' .. tenant .. ':events', 'MAXLEN', '~', MAX_EVENTS, '*', 'type', kind, 'ts', NOWS, 'tenant', tenant }
  for i = 1, #fields do args[#args + 1] = fields[i] end
  redis.call(unpack(args))
end

-- Offers and notices for the instance that owns a call's signalling. Notices for the
-- instance running this script are returned in its reply instead of queued.
local SELF = nil
local replies = {}
local function notify(owner, msg)
  if owner == SELF then
    replies[#replies + 1] = msg
  else
    redis.call('RPUSH', P .. ':inst:' .. owner .. ':offers', cjson.encode(msg))
  end
end

-- quals spec: "step|pos|level|strategy|nsteps"
local function parseQual(spec)
  local f = split(spec, '|')
  return tonumber(f[1]), tonumber(f[2]), tonumber(f[3]), f[4], tonumber(f[5])
end

local function agentScore(strategy, a, pos, level)
  local idle = tonumber(a.idle_since) or 0
  if strategy == 'fewest-calls' then return fmt((tonumber(a.calls) or 0) * 1e13 + idle) end
  if strategy == 'least-talk-time' then return fmt(tonumber(a.talk_ms) or 0) end
  if strategy == 'round-robin' or strategy == 'top-down' then return fmt(pos) end
  if strategy == 'random' then return '0' end
  if strategy == 'skill-level' then return fmt((1000 - level) * 1e13 + idle) end
  return fmt(idle)
end

local function agentStateChanged(agentId, a, from, to, now, reason)
  for _, tenant in ipairs(split(a.tenants, ',')) do
    emit(tenant, 'agent_state', now, { 'agent', agentId, 'from', from, 'to', to, 'reason', reason or '' })
  end
end

local function loadAgent(agentId)
  return hashToTable(redis.call('HGETALL', agentKey(agentId)))
end

local function removeAvailable(agentId, quals)
  quals = quals or redis.call('HGETALL', agentKey(agentId) .. ':quals')
  for i = 1, #quals, 2 do
    local step = parseQual(quals[i + 1])
    redis.call('ZREM', queueKey(quals[i]) .. ':a:' .. step, agentId)
  end
end

local function addAvailable(agentId, a, quals)
  for i = 1, #quals, 2 do
    local step, pos, level, strategy = parseQual(quals[i + 1])
    redis.call('ZADD', queueKey(quals[i]) .. ':a:' .. step, agentScore(strategy, a, pos, level), agentId)
  end
end

-- `quiet`: the transition is told by the call event of the same step (reserved, connected,
-- completed carry the agent and its new state), so no separate agent_state event is written.
local function setAgentState(agentId, a, to, now, reason, extra, quiet)
  local from = a.state
  local args = { 'HSET', agentKey(agentId), 'state', to, 'state_since', NOWS, 'reason', reason or '' }
  if extra then for i = 1, #extra do args[#args + 1] = extra[i] end end
  redis.call(unpack(args))
  a.state = to
  if from ~= to and not quiet then agentStateChanged(agentId, a, from or 'logged-out', to, now, reason) end
end

-- c.inq: the call is in its queue's waiting lists.
local function putInQueue(ref, c)
  local qk = queueKey(c.tenant .. '/' .. c.queue)
  redis.call('ZADD', qk .. ':w:' .. c.step, c.score, c.id)
  redis.call('ZADD', qk .. ':waiting', c.score, c.id)
  redis.call('ZADD', qk .. ':since', c.enq, c.id)
  c.inq = true
end

local function takeFromQueue(c)
  if not c.inq then return end
  local qk = queueKey(c.tenant .. '/' .. c.queue)
  redis.call('ZREM', qk .. ':w:' .. c.step, c.id)
  redis.call('ZREM', qk .. ':waiting', c.id)
  redis.call('ZREM', qk .. ':since', c.id)
  c.inq = false
end

local function loadCall(ref)
  local c = hashToTable(redis.call('HGETALL', callKey(ref)))
  if c.id == nil then return nil end
  c.inq = (c.state == 'waiting')
  return c
end

local function stat(c, field, by)
  redis.call('HINCRBY', queueKey(c.tenant .. '/' .. c.queue) .. ':stats', field, by or 1)
end

local function clearCallTimers(ref)
  redis.call('ZREM', TIMERS, 'res|' .. ref, 'esc|' .. ref, 'max|' .. ref, 'ref|' .. ref, 'cbr|' .. ref)
end

-- Reserve: the call leaves the waiting lists; each agent leaves every available list
-- (`listed`: the agents were found in those lists).
local function reserve(ref, c, agents, now, listed)
  if c.state == 'referred' then
    redis.call('ZREM', agentKey(c.referent) .. ':referred', ref)
  else
    takeFromQueue(c)
  end
  local meta = redis.call('HMGET', queueKey(c.tenant .. '/' .. c.queue), 'ring_ms')
  local ringMs = tonumber(meta[1]) or 20000
  local resId = redis.call('HINCRBY', callKey(ref), 'res_count', 1)
  redis.call('HSET', callKey(ref), 'state', 'reserved', 'agents', table.concat(agents, ','), 'res_at', fmt(now))
  c.state = 'reserved'
  redis.call('ZADD', TIMERS, fmt(now + ringMs), 'res|' .. ref)
  for _, agentId in ipairs(agents) do
    if listed then removeAvailable(agentId) end
    local f = redis.call('HMGET', agentKey(agentId), 'state', 'tenants')
    setAgentState(agentId, { state = f[1], tenants = f[2] }, 'reserved', now, '', { 'call', ref }, true)
  end
  local waited = now - tonumber(c.enq)
  emit(c.tenant, 'reserved', now, { 'call', c.id, 'queue', c.queue, 'agents', table.concat(agents, ','), 'wait_ms', fmt(waited), 'attempt', tostring(resId) })
  notify(c.owner, { type = 'offer', tenant = c.tenant, call = c.id, queue = c.queue, agents = agents, attempt = resId, ringMs = ringMs })
end

local function agentQualifies(agentId, qid, step)
  local spec = redis.call('HGET', agentKey(agentId) .. ':quals', qid)
  if not spec then return false end
  local s = parseQual(spec)
  return s <= step
end

-- Find agents for a call that is ready (waiting or referred); reserve when found. The call may or
-- may not be in its queue's lists yet (c.inq).
local function tryMatchCall(ref, c, now)
  if c.state == 'referred' then
    local st = redis.call('HGET', agentKey(c.referent), 'state')
    if st == 'available' and redis.call('HEXISTS', agentKey(c.referent) .. ':quals', c.tenant .. '/' .. c.queue) == 1 then
      reserve(ref, c, { c.referent }, now, true)
      return true
    end
    return false
  end
  if c.state ~= 'waiting' then return false end
  local qk = queueKey(c.tenant .. '/' .. c.queue)
  local meta = redis.call('HMGET', qk, 'strategy', 'rr')
  local strategy = meta[1]
  local step = tonumber(c.step)
  if strategy == 'ring-all' then
    local all = {}
    for s = 0, step do
      local members = redis.call('ZRANGE', qk .. ':a:' .. s, 0, -1)
      for _, m in ipairs(members) do all[#all + 1] = m end
    end
    if #all == 0 then return false end
    reserve(ref, c, all, now, true)
    return true
  end
  if strategy == 'random' then
    local total, counts = 0, {}
    for s = 0, step do
      counts[s] = redis.call('ZCARD', qk .. ':a:' .. s)
      total = total + counts[s]
    end
    if total == 0 then return false end
    local pick = math.random(total)
    for s = 0, step do
      if pick <= counts[s] then
        local m = redis.call('ZRANGE', qk .. ':a:' .. s, pick - 1, pick - 1)
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
      r = redis.call('ZRANGEBYSCORE', qk .. ':a:' .. s, '(' .. rrLast, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
    else
      r = redis.call('ZRANGE', qk .. ':a:' .. s, 0, 0, 'WITHSCORES')
    end
    if r[1] and (best == nil or tonumber(r[2]) < bestScore) then best, bestScore = r[1], tonumber(r[2]) end
  end
  if best == nil and strategy == 'round-robin' then
    for s = 0, step do
      local r = redis.call('ZRANGE', qk .. ':a:' .. s, 0, 0, 'WITHSCORES')
      if r[1] and (best == nil or tonumber(r[2]) < bestScore) then best, bestScore = r[1], tonumber(r[2]) end
    end
  end
  if best == nil then return false end
  if strategy == 'round-robin' then redis.call('HSET', qk, 'rr', fmt(bestScore)) end
  reserve(ref, c, { best }, now, true)
  return true
end

-- A waiting call not in the lists: offer it now, or put it in its place.
local function matchOrQueue(ref, c, now)
  if tryMatchCall(ref, c, now) then return true end
  putInQueue(ref, c)
  return false
end

-- An agent is ready: take the best call it qualifies for, else join the available lists.
-- `a`: the agent's fields when the caller has them (state, tenants, idle_since, calls, talk_ms).
local function tryMatchAgent(agentId, now, a)
  a = a or loadAgent(agentId)
  if a.state ~= 'available' then return false end
  local referred = redis.call('ZRANGE', agentKey(agentId) .. ':referred', 0, 0)
  if referred[1] then
    local c = loadCall(referred[1])
    if c and c.state == 'referred' then
      reserve(referred[1], c, { agentId }, now, false)
      return true
    end
  end
  local quals = redis.call('HGETALL', agentKey(agentId) .. ':quals')
  local bestRef, bestScore, bestStrategy
  for i = 1, #quals, 2 do
    local step, _, _, strategy, nsteps = parseQual(quals[i + 1])
    local qk = queueKey(quals[i])
    local t = parseRef(quals[i])
    for s = step, nsteps - 1 do
      local r = redis.call('ZRANGE', qk .. ':w:' .. s, 0, 0, 'WITHSCORES')
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

-- The call goes back to its original place (same score), or overflows if its wait is over.
local overflow
local function returnCall(ref, c, now)
  redis.call('ZREM', TIMERS, 'res|' .. ref)
  redis.call('HDEL', callKey(ref), 'agents')
  if tonumber(c.max_at) <= now then
    overflow(ref, c, now, 'max-wait')
    return
  end
  c.state = 'waiting'
  redis.call('HSET', callKey(ref), 'state', 'waiting')
  matchOrQueue(ref, c, now)
end

overflow = function(ref, c, now, reason)
  if c.state == 'waiting' then takeFromQueue(c) end
  if c.state == 'referred' then redis.call('ZREM', agentKey(c.referent) .. ':referred', ref) end
  clearCallTimers(ref)
  if c.callback then
    -- nobody is on the line: a callback not made in time is reported, not overflowed
    redis.call('ZREM', queueKey(c.tenant .. '/' .. c.queue) .. ':callbacks', c.id)
    stat(c, 'callbacks_failed')
    emit(c.tenant, 'callback_failed', now, { 'call', c.id, 'queue', c.queue, 'number', c.callback, 'attempt', c.cb_tries or '0', 'outcome', 'expired', 'final', 'yes' })
    notify(c.owner, { type = 'overflow', tenant = c.tenant, call = c.id, queue = c.queue, reason = 'callback-expired', target = 'hangup', seq = c.seq, enqueuedAt = tonumber(c.enq), priority = tonumber(c.prio) })
    redis.call('DEL', callKey(ref))
    return
  end
  local qk = queueKey(c.tenant .. '/' .. c.queue)
  local target = redis.call('HGET', qk, 'overflow') or 'hangup'
  stat(c, 'overflowed')
  emit(c.tenant, 'overflowed', now, { 'call', c.id, 'queue', c.queue, 'reason', reason, 'target', target, 'wait_ms', fmt(now - tonumber(c.enq)) })
  notify(c.owner, { type = 'overflow', tenant = c.tenant, call = c.id, queue = c.queue, reason = reason, target = target, seq = c.seq, enqueuedAt = tonumber(c.enq), priority = tonumber(c.prio) })
  redis.call('DEL', callKey(ref))
end

-- After a ring: release an agent (with or without a no-answer count) and let it take work.
local function releaseAgent(agentId, now, noAnswer, maxNoAnswer)
  local a = loadAgent(agentId)
  if a.state ~= 'reserved' then return end
  redis.call('HDEL', agentKey(agentId), 'call')
  if noAnswer then
    local rna = redis.call('HINCRBY', agentKey(agentId), 'rna', 1)
    if rna >= maxNoAnswer then
      setAgentState(agentId, a, 'paused', now, 'no-answer')
      return
    end
    redis.call('HSET', agentKey(agentId), 'idle_since', fmt(now))
    a.idle_since = fmt(now)
  end
  if a.pause_pending and a.pause_pending ~= '' then
    redis.call('HDEL', agentKey(agentId), 'pause_pending')
    setAgentState(agentId, a, 'paused', now, a.pause_pending)
    return
  end
  setAgentState(agentId, a, 'available', now, '')
  tryMatchAgent(agentId, now, a)
end

local function maxNoAnswerSetting()
  return tonumber(redis.call('HGET', P .. ':settings', 'max_no_answer')) or 3
end

local function finish(result)
  result.notices = replies
  return cjson.encode(result)
end
