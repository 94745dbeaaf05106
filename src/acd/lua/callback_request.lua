--[[
  The waiting caller asked to be called back: the call keeps its place in the queue without a
  caller on the line. Its maximum wait becomes the callback's expiry; an agent reserved for it is
  offered to the calling instance as usual, which then calls the customer on the number.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance (becomes the call's owner)
  ARGV[2]  now (ms)
  ARGV[3]  tenant
  ARGV[4]  call id
  ARGV[5]  number to call back (E.164)
  ARGV[6]  expiry of the callback (ms from now)
  ARGV[7]  due time of the callback (ms since the epoch; '' for none): a `brc` timer reports a
           breach then unless the customer has been connected
  ARGV[8]  the urgency the due time comes from ('' for none)
  ARGV[9]  the closed windows of the calling hours ahead, "from:until,..." (ms; '' for none, see
           includes/callback_hours): asked inside one, the callback waits out of the queue (state
           retry) until it ends, keeping its place (`not_before` in its event)
  Reply    JSON { state = 'waiting' | 'referred' | 'retry', position (its place; 0 when referred), notices }
  Errors   NO_SUCH_CALL, NOT_WAITING, CALLBACK_EXISTS
]]
--- @include "includes/context"
--- @include "includes/calls"
--- @include "includes/emit"
--- @include "includes/callback_hours"

local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local c = loadCall(ref)
if not c then return redis.error_reply('NO_SUCH_CALL call ' .. ref .. ' is not in the ACD') end
if c.state ~= 'waiting' and c.state ~= 'referred' then
  return redis.error_reply('NOT_WAITING call ' .. ref .. ' is ' .. c.state)
end
if c.callback then return redis.error_reply('CALLBACK_EXISTS call ' .. ref .. ' already waits for a callback') end
local maxAt = fmt(now + tonumber(ARGV[6]))
redis.call('HSET', K.call(c.tenant, c.id), 'callback', ARGV[5], 'cb_at', NOWS, 'cb_tries', '0', 'max_at', maxAt, 'cb_closed', ARGV[9])
c.cb_closed = ARGV[9]
local notBefore = closedUntil(c, now)
ownCall(ref, c, SELF)
redis.call('ZADD', K.timers(), maxAt, 'max|' .. ref)
redis.call('ZADD', K.queueCallbacks(c.tenant, c.queue), NOWS, c.id)
stat(c, 'callbacks_requested')
if ARGV[7] ~= '' then
  -- the breach check outlives the call's hash (a callback given up is still not made in time)
  local check = 'brc|' .. ref .. '|' .. c.queue .. '|' .. ARGV[7] .. '|' .. ARGV[8] .. '|' .. ARGV[5]
  redis.call('HSET', K.call(c.tenant, c.id), 'cb_due', ARGV[7], 'cb_check', check)
  redis.call('ZADD', K.timers(), ARGV[7], check)
end
emit(c.tenant, 'callback_requested', now, { 'call', c.id, 'queue', c.queue, 'number', ARGV[5], 'wait_ms', fmt(now - tonumber(c.enq)), 'due', ARGV[7], 'urgency', ARGV[8], 'not_before', notBefore and fmt(notBefore) or '' })
local position = 0
if c.state == 'waiting' then position = redis.call('ZRANK', K.queueWaiting(c.tenant, c.queue), c.id) + 1 end
if notBefore then holdCallback(ref, c, now, notBefore) end
armCallingHours(ref, c, now)
return finish({ state = c.state, position = position })
