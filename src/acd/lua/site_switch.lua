--[[
  A site changes state in this pool (the site's state lives in each pool: a switch and what it
  does to the pool's calls and agents are one step).
  down    its agents leave every queue (no new offer; a ringing offer is withdrawn without a
          no-answer, the call back in its place), calls waiting for them as referent fall back to
          their queue, then the calls waiting in its queues move to the backup copies, keeping
          their place (same order, arrival time and escalation step); connected calls are left
          alone. Run again while down, it sweeps what came in since (idempotent).
  up      the calls waiting in the backup copies move back to the site's queues, keeping their
          place; the agents take their queues again (requalify, from the engine).
  drain   new calls go to the backup (routing); calls in progress finish at the site.
  drained a drain is over: no call waits in the site's queues, none of its agents rings or talks.
  auto    down when no live instance, or no logged-in agent, of the site was seen for too long
          (the first check starts the clock); only an `up` site goes down so.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  site
  ARGV[4]  mode: down | up | drain | drained | auto
  ARGV[5]  reason (manual, drill, ...)
  ARGV[6..] three lists, each its length then its items: the site's agents; triples tenant,
           queue the calls leave, queue they go to (down: a queue of the site and its backup
           copy; up: the copy and the site's queue; drained: the site's queues, the third
           ignored); the tenants told of the switch (a site_switched event each); then (auto)
           the no-instance and no-agent times in ms (0: not checked)
  Reply    JSON { state, changed (boolean), moved, withdrawn, busy (drained: calls still at the
           site), notices }
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/agents"
--- @include "includes/calls"
--- @include "includes/emit"
--- @include "includes/escalation"
--- @include "includes/match"
--- @include "includes/release"
--- @include "includes/withdraw"
--- @include "includes/requeue"

local now = tonumber(ARGV[2])
local site, mode, reason = ARGV[3], ARGV[4], ARGV[5]
local i = 6
local function list(width)
  local n = tonumber(ARGV[i])
  local out = {}
  for j = 1, n * width do out[j] = ARGV[i + j] end
  i = i + n * width + 1
  return out
end
local agents = list(1)
local moves = list(3)
local tenants = list(1)

local record = redis.call('HGET', K.sites(), site)
local state = 'up'
if record then state = split(record, '|')[1] end

local function setState(to, why)
  if state == to then return false end
  redis.call('HSET', K.sites(), site, to .. '|' .. NOWS .. '|' .. why)
  state = to
  for _, tenant in ipairs(tenants) do
    emit(tenant, 'site_switched', now, { 'site', site, 'state', to, 'reason', why })
  end
  return true
end

-- the site's agents leave every queue: matching finds them nowhere (all of them first, so that a
-- call put back below is not offered to one of them)
local function leaveQueues()
  local withdrawn = 0
  for _, agentId in ipairs(agents) do
    local quals = redis.call('HGETALL', K.agentQuals(agentId))
    if #quals > 0 then
      removeAvailable(agentId, quals)
      for j = 1, #quals, 2 do
        local t, q = parseRef(quals[j])
        redis.call('SREM', K.queueStaffed(t, q), agentId)
      end
      redis.call('DEL', K.agentQuals(agentId))
    end
  end
  -- calls waiting for one of them as referent go back to their queue
  for _, agentId in ipairs(agents) do
    referredFallBack(agentId, now)
  end
  -- then the rings (no agent of the site is left to take a call back in its place)
  for _, agentId in ipairs(agents) do
    local a = loadAgent(agentId)
    if a.state == 'reserved' and a.call then
      local c = loadCall(a.call)
      if c and c.state == 'reserved' then withdrawOffer(a.call, c, agentId, now, 'site-' .. mode, true) end
      releaseAgent(agentId, now, false, 0)
      withdrawn = withdrawn + 1
    end
  end
  return withdrawn
end

local function moveCall(ref, c, from, to, esc)
  local waiting = c.state == 'waiting'
  if waiting then takeFromQueue(c) end
  c.queue = to
  if waiting then setEscalationStep(ref, c, esc, now) end
  redis.call('HSET', K.call(c.tenant, c.id), 'queue', to, 'step', c.step)
  if c.callback then
    local score = redis.call('ZSCORE', K.queueCallbacks(c.tenant, from), c.id)
    redis.call('ZREM', K.queueCallbacks(c.tenant, from), c.id)
    if score then redis.call('ZADD', K.queueCallbacks(c.tenant, to), score, c.id) end
  end
  redis.call('HINCRBY', K.queueStats(c.tenant, from), 'moved_out', 1)
  redis.call('HINCRBY', K.queueStats(c.tenant, to), 'moved_in', 1)
  emit(c.tenant, 'site_moved', now, { 'call', c.id, 'queue', from, 'target', to, 'site', site, 'state', state, 'wait_ms', fmt(now - tonumber(c.enq)) })
  notify(c.owner, { type = 'moved', tenant = c.tenant, call = c.id, queue = from, target = to, site = site })
  if waiting then matchOrQueue(ref, c, now) end
end

-- waiting calls (and callbacks waiting for their retry) go to the other queue, keeping their place
local function moveAll()
  local moved = 0
  for j = 1, #moves, 3 do
    local tenant, from, to = moves[j], moves[j + 1], moves[j + 2]
    if redis.call('EXISTS', K.queue(tenant, to)) == 1 then
      local esc = split(redis.call('HGET', K.queue(tenant, to), 'esc'), ',')
      for _, place in ipairs({ { K.queueWaiting(tenant, from), 'waiting' }, { K.queueCallbacks(tenant, from), 'retry' } }) do
        for _, id in ipairs(redis.call('ZRANGE', place[1], 0, -1)) do
          local ref = tenant .. '/' .. id
          local c = loadCall(ref)
          if c and c.state == place[2] and c.queue == from then
            moveCall(ref, c, from, to, esc)
            moved = moved + 1
          end
        end
      end
    end
  end
  return moved
end

local changed, moved, withdrawn, busy = false, 0, 0, 0
if mode == 'auto' then
  local noInstanceMs, noAgentMs = tonumber(ARGV[i]) or 0, tonumber(ARGV[i + 1]) or 0
  local why = nil
  for _, check in ipairs({ { 'inst', noInstanceMs, 'auto-no-instance' }, { 'agent', noAgentMs, 'auto-no-agent' } }) do
    if check[2] > 0 then
      local seen = tonumber(redis.call('HGET', K.sites(), site .. '|' .. check[1]))
      if seen == nil then
        redis.call('HSET', K.sites(), site .. '|' .. check[1], NOWS)
      elseif now - seen > check[2] and why == nil then
        why = check[3]
      end
    end
  end
  if why and state == 'up' then
    mode = 'down'
    reason = why
  else
    return finish({ state = state, changed = false, moved = 0, withdrawn = 0, busy = 0 })
  end
end
if mode == 'down' then
  changed = setState('down', reason)
  withdrawn = leaveQueues()
  moved = moveAll()
elseif mode == 'up' then
  changed = setState('up', reason)
  moved = moveAll()
elseif mode == 'drain' then
  if state == 'up' then changed = setState('draining', reason) end
elseif mode == 'drained' then
  for j = 1, #moves, 3 do busy = busy + redis.call('ZCARD', K.queueWaiting(moves[j], moves[j + 1])) end
  for _, agentId in ipairs(agents) do
    local st = redis.call('HGET', K.agent(agentId), 'state')
    if st == 'reserved' or st == 'on-call' then busy = busy + 1 end
  end
  if state == 'draining' and busy == 0 then changed = setState('drained', reason) end
else
  return redis.error_reply('BAD_MODE site switch mode ' .. mode)
end
return finish({ state = state, changed = changed, moved = moved, withdrawn = withdrawn, busy = busy })
