--[[
  A queue's overflow rules (its definition's `rules`: JSON [{k, v, t}], in the configured order;
  k = waited | waiting | no-agents | estimated-wait, v = ms or a count, t = the target). The
  `closed` rule is the call flow's: it knows the calendars.
]]
--- @include "context"
--- @include "util"
--- @include "calls"
--- @include "overflow"

local function decodeRules(raw)
  if not raw or raw == '' then return {} end
  return cjson.decode(raw)
end

local function queueRules(tenant, queue)
  return decodeRules(redis.call('HGET', K.queue(tenant, queue), 'rules'))
end

-- The rule that applies to a call that found no agent on arrival (it is waiting, counted in the
-- queue): reason and target, or nil. `rules` and `meta` are the queue's, as enqueue read them.
local function arrivalRule(c, meta, rules)
  local waitingKey = K.queueWaiting(c.tenant, c.queue)
  for _, r in ipairs(rules) do
    if r.k == 'waiting' then
      if redis.call('ZCARD', waitingKey) - 1 >= r.v then return 'waiting', r.t end
    elseif r.k == 'no-agents' then
      if redis.call('SCARD', K.queueStaffed(c.tenant, c.queue)) == 0 then return 'no-agents', r.t end
    elseif r.k == 'estimated-wait' then
      -- the same estimate as the announcements: position × mean handle time ÷ agents staffing the queue
      local position = (redis.call('ZRANK', waitingKey, c.id) or 0) + 1
      local st = redis.call('HMGET', K.queueStats(c.tenant, c.queue), 'completed', 'talk_ms')
      local completed = tonumber(st[1]) or 0
      local handle = (completed > 0 and (tonumber(st[2]) or 0) / completed or 180000) + tonumber(meta.wrap_ms)
      local staffed = math.max(1, redis.call('SCARD', K.queueStaffed(c.tenant, c.queue)))
      if position * handle / staffed > r.v then return 'estimated-wait', r.t end
    end
  end
  return nil
end

-- When the next `waited` rule not yet applied falls due (ms), scheduled as the call's `ovr` timer.
local function scheduleWaited(ref, c, rules)
  local done, due = c.ovr_done or '', nil
  for i, r in ipairs(rules) do
    if r.k == 'waited' and not string.find(done, ',' .. i .. ',', 1, true) then
      local at = tonumber(c.enq) + r.v
      if due == nil or at < due then due = at end
    end
  end
  c.ovr_at = due and fmt(due) or nil
  if due then
    redis.call('ZADD', K.timers(), c.ovr_at, 'ovr|' .. ref)
    redis.call('HSET', K.call(c.tenant, c.id), 'ovr_at', c.ovr_at)
  else
    redis.call('HDEL', K.call(c.tenant, c.id), 'ovr_at')
  end
end

-- A `waited` rule fell due: the first one (in order) whose wait is reached applies. Returns true
-- when the call left its queue.
local function waitedRule(ref, c, now)
  if c.callback then return false end
  local rules = queueRules(c.tenant, c.queue)
  local done = c.ovr_done or ''
  for i, r in ipairs(rules) do
    if r.k == 'waited' and tonumber(c.enq) + r.v <= now and not string.find(done, ',' .. i .. ',', 1, true) then
      overflow(ref, c, now, 'waited', r.t)
      if r.t ~= 'callback' then return true end
      c.ovr_done = done .. ',' .. i .. ','
      redis.call('HSET', K.call(c.tenant, c.id), 'ovr_done', c.ovr_done)
      break
    end
  end
  scheduleWaited(ref, c, rules)
  return false
end

-- Every caller waiting in the queue leaves for `target`; callbacks (nobody on the line) keep their
-- place. Returns how many left.
local function overflowWaiting(tenant, queue, now, reason, target)
  local moved = 0
  for _, id in ipairs(redis.call('ZRANGE', K.queueWaiting(tenant, queue), 0, -1)) do
    local ref = tenant .. '/' .. id
    local c = loadCall(ref)
    if c and c.state == 'waiting' and not c.callback then
      overflow(ref, c, now, reason, target)
      moved = moved + 1
    end
  end
  return moved
end

-- The queue's last agent left: with a `no-agents` rule, its waiting callers overflow to its target.
local function unstaffedQueue(tenant, queue, now)
  if redis.call('SCARD', K.queueStaffed(tenant, queue)) > 0 then return end
  for _, r in ipairs(queueRules(tenant, queue)) do
    if r.k == 'no-agents' then
      overflowWaiting(tenant, queue, now, 'no-agents', r.t)
      return
    end
  end
end
