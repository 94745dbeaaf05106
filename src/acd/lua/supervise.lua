--[[
  A supervisor's action on a waiting call: change its priority (it keeps its arrival order within
  the new priority), move it to another queue of its tenant (it keeps its place: arrival order,
  time and priority, as an overflow to a queue does), or hang it up. The call's owner is told a
  move or a hang-up as an overflow notice (target `queue:<id>` or `hangup`).

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  action: 'priority' | 'move' | 'hangup'
  ARGV[4]  tenant
  ARGV[5]  call id
  ARGV[6]  the new priority (0..99), the target queue, or ''
  Reply    JSON { state, position?, priority?, queue, notices }
  Errors   NO_SUCH_CALL, NOT_WAITING (ringing, connected or a callback between attempts),
           NO_SUCH_QUEUE, SAME_QUEUE, BAD_ACTION
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/calls"
--- @include "includes/emit"

local now = tonumber(ARGV[2])
local action, tenant, callId, arg = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local ref = tenant .. '/' .. callId
local c = loadCall(ref)
if not c then return redis.error_reply('NO_SUCH_CALL ' .. ref) end
if c.state ~= 'waiting' and c.state ~= 'referred' then return redis.error_reply('NOT_WAITING call ' .. ref .. ' is ' .. c.state) end

if action == 'priority' then
  local p = tonumber(arg)
  local score = fmt((100 - p) * 1e13 + tonumber(c.seq))
  if c.state == 'waiting' then
    takeFromQueue(c)
    c.score = score
    putInQueue(c)
  else
    redis.call('ZADD', K.agentReferred(c.referent), score, ref)
  end
  redis.call('HSET', K.call(tenant, callId), 'prio', tostring(p), 'score', score)
  local position = 0
  if c.state == 'waiting' then position = redis.call('ZRANK', K.queueWaiting(tenant, c.queue), callId) + 1 end
  return finish({ state = c.state, priority = p, position = position, queue = c.queue })
end

local target, reason
if action == 'move' then
  if arg == c.queue then return redis.error_reply('SAME_QUEUE call ' .. ref .. ' is already in ' .. arg) end
  if redis.call('EXISTS', K.queue(tenant, arg)) == 0 then return redis.error_reply('NO_SUCH_QUEUE ' .. tenant .. '/' .. arg) end
  target, reason = 'queue:' .. arg, 'moved'
elseif action == 'hangup' then
  target, reason = 'hangup', 'supervisor-hangup'
else
  return redis.error_reply('BAD_ACTION ' .. action)
end
dropCall(ref, c)
stat(c, action == 'move' and 'moved_by_supervisor' or 'hung_up_by_supervisor')
emit(tenant, 'overflowed', now, { 'call', c.id, 'queue', c.queue, 'reason', reason, 'target', target, 'wait_ms', fmt(now - tonumber(c.enq)) })
notify(c.owner, { type = 'overflow', tenant = tenant, call = c.id, queue = c.queue, reason = reason, target = target, seq = c.seq, enqueuedAt = tonumber(c.enq), priority = tonumber(c.prio) })
return finish({ state = action == 'move' and 'moved' or 'hung-up', queue = c.queue })
