--[[
  The calling hours of a callback: its hash's `cb_closed` holds the closed windows of those hours
  ahead, "from:until,from:until,..." (ms since the epoch), computed when the callback is asked
  for (src/routing/callback-hours.ts). A callback is not attempted inside a window: it waits out
  of the queue (state retry, its `cbr` timer at the window's end), keeping its place; its `cbh`
  timer fires at the next window's start.
]]
--- @include "calls"

local function closedWindows(c)
  local out = {}
  for from, to in string.gmatch(c.cb_closed or '', '(%d+):(%d+)') do out[#out + 1] = { tonumber(from), tonumber(to) } end
  return out
end

-- The end of the closed window `t` is in, or nil when the calling hours are open at `t`.
local function closedUntil(c, t)
  for _, w in ipairs(closedWindows(c)) do
    if w[1] <= t and t < w[2] then return w[2] end
  end
  return nil
end

-- Arms the `cbh` timer at the start of the next closed window after `t` (none left: none).
local function armCallingHours(ref, c, t)
  for _, w in ipairs(closedWindows(c)) do
    if w[1] > t then
      redis.call('ZADD', K.timers(), fmt(w[1]), 'cbh|' .. ref)
      return
    end
  end
end

-- A waiting (or referred) callback leaves the queue until `untilMs`, keeping its place.
local function holdCallback(ref, c, now, untilMs)
  if c.state == 'waiting' then takeFromQueue(c) end
  if c.state == 'referred' then redis.call('ZREM', K.agentReferred(c.referent), ref) end
  redis.call('ZREM', K.timers(), 'ref|' .. ref)
  c.state = 'retry'
  redis.call('HSET', K.call(c.tenant, c.id), 'state', 'retry')
  redis.call('ZADD', K.timers(), fmt(untilMs), 'cbr|' .. ref)
end
