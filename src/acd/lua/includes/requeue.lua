--[[
  A call goes back to waiting in its queue, at its original place (same score): after a ring that
  found nobody (or it overflows if its wait is over), or when its referent agent stops waiting.
]]
--- @include "calls"
--- @include "match"
--- @include "overflow"
--- @include "overflow_rules"

-- `extra`: more fields of the call's hash to write with its state.
local function rejoinQueue(ref, c, now, extra)
  c.state = 'waiting'
  local args = { 'HSET', K.call(c.tenant, c.id), 'state', 'waiting' }
  if extra then for i = 1, #extra do args[#args + 1] = extra[i] end end
  redis.call(unpack(args))
  matchOrQueue(ref, c, now)
end

local function returnCall(ref, c, now)
  redis.call('ZREM', K.timers(), 'res|' .. ref)
  redis.call('HDEL', K.call(c.tenant, c.id), 'agents')
  if tonumber(c.max_at) <= now then
    overflow(ref, c, now, 'max-wait')
    return
  end
  -- a `waited` rule fell due while agents rang
  if c.ovr_at ~= nil and tonumber(c.ovr_at) <= now and waitedRule(ref, c, now) then return end
  rejoinQueue(ref, c, now)
end

-- A call waiting for its referent agent falls back to its queue.
local function referredToQueue(ref, c, now)
  redis.call('ZREM', K.agentReferred(c.referent), ref)
  rejoinQueue(ref, c, now)
end

-- The agent no longer takes calls: every call waiting for it as their referent falls back.
local function referredFallBack(agentId, now)
  for _, ref in ipairs(redis.call('ZRANGE', K.agentReferred(agentId), 0, -1)) do
    local c = loadCall(ref)
    if c and c.state == 'referred' then
      redis.call('ZREM', K.timers(), 'ref|' .. ref)
      referredToQueue(ref, c, now)
    end
  end
  redis.call('DEL', K.agentReferred(agentId))
end
