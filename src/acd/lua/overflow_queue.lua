--[[
  Every caller waiting in a queue (callbacks keep their place) leaves it for an overflow target: the queue closed (its calendar
  says so, and it overflows its callers at closing time instead of keeping them). Calls that
  agents are ringing are left to finish ringing; a ring that finds nobody brings them back, and the
  next sweep moves them.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  tenant
  ARGV[4]  queue
  ARGV[5]  reason (e.g. closed)
  ARGV[6]  target (queue:<id>, voicemail, hangup, number:<E.164>, backup-site)
  Reply    JSON { moved, notices }
  Errors   NO_SUCH_QUEUE
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/calls"
--- @include "includes/overflow_rules"

local now = tonumber(ARGV[2])
local tenant, queue = ARGV[3], ARGV[4]
if redis.call('EXISTS', K.queue(tenant, queue)) == 0 then return redis.error_reply('NO_SUCH_QUEUE ' .. tenant .. '/' .. queue) end
return finish({ moved = overflowWaiting(tenant, queue, now, ARGV[5], ARGV[6]) })
