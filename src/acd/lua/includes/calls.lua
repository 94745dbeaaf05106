--[[
  A call's hash, its place in its queue's waiting lists (c.inq: it is in them), its timers and
  its queue's counters. A call is addressed by its ref "tenant/id".
]]
--- @include "util"

local function loadCall(ref)
  local t, id = parseRef(ref)
  local c = hashToTable(redis.call('HGETALL', K.call(t, id)))
  if c.id == nil then return nil end
  c.inq = (c.state == 'waiting')
  return c
end

local function putInQueue(c)
  redis.call('ZADD', K.queueStep(c.tenant, c.queue, c.step), c.score, c.id)
  redis.call('ZADD', K.queueWaiting(c.tenant, c.queue), c.score, c.id)
  redis.call('ZADD', K.queueSince(c.tenant, c.queue), c.enq, c.id)
  c.inq = true
end

local function takeFromQueue(c)
  if not c.inq then return end
  redis.call('ZREM', K.queueStep(c.tenant, c.queue, c.step), c.id)
  redis.call('ZREM', K.queueWaiting(c.tenant, c.queue), c.id)
  redis.call('ZREM', K.queueSince(c.tenant, c.queue), c.id)
  c.inq = false
end

local function stat(c, field, by)
  redis.call('HINCRBY', K.queueStats(c.tenant, c.queue), field, by or 1)
end

local function clearCallTimers(ref)
  redis.call('ZREM', K.timers(), 'res|' .. ref, 'esc|' .. ref, 'max|' .. ref, 'ref|' .. ref, 'cbr|' .. ref, 'ovr|' .. ref, 'cbh|' .. ref)
end

-- The instance that owns the call's signalling: it gets the call's notices, and recovers it when
-- that instance stops (its index of calls).
local function ownCall(ref, c, owner)
  if c.owner and c.owner ~= owner then redis.call('SREM', K.instanceCalls(c.owner), ref) end
  c.owner = owner
  redis.call('HSET', K.call(c.tenant, c.id), 'owner', owner)
  redis.call('SADD', K.instanceCalls(owner), ref)
end

-- The call's hash is deleted and it leaves its owner's index.
local function forgetCall(ref, c)
  redis.call('DEL', K.call(c.tenant, c.id))
  if c.owner then redis.call('SREM', K.instanceCalls(c.owner), ref) end
end

-- The call leaves the ACD before being connected: out of its queue's lists, its referent's list,
-- the pending callbacks and the timers; its hash is deleted.
local function dropCall(ref, c)
  if c.state == 'waiting' then takeFromQueue(c) end
  if c.state == 'referred' then redis.call('ZREM', K.agentReferred(c.referent), ref) end
  clearCallTimers(ref)
  if c.callback then redis.call('ZREM', K.queueCallbacks(c.tenant, c.queue), c.id) end
  forgetCall(ref, c)
end
