--[[
  A call leaves its queue for an overflow target (told to its owner): the queue's own target when
  its wait is over, or the target of the overflow rule that applies. A callback not made in time is
  reported failed instead. The `callback` target is not a departure: the call keeps its place and
  its caller is offered a callback at once.
]]
--- @include "context"
--- @include "emit"
--- @include "calls"

local function overflow(ref, c, now, reason, target)
  local notice = { type = 'overflow', tenant = c.tenant, call = c.id, queue = c.queue, reason = reason, seq = c.seq, enqueuedAt = tonumber(c.enq), priority = tonumber(c.prio) }
  if target == 'callback' then
    emit(c.tenant, 'overflowed', now, { 'call', c.id, 'queue', c.queue, 'reason', reason, 'target', target, 'wait_ms', fmt(now - tonumber(c.enq)) })
    notice.target = target
    notify(c.owner, notice)
    return
  end
  dropCall(ref, c)
  if c.callback then
    -- nobody is on the line: a callback not made in time is reported, not overflowed
    stat(c, 'callbacks_failed')
    emit(c.tenant, 'callback_failed', now, { 'call', c.id, 'queue', c.queue, 'number', c.callback, 'attempt', c.cb_tries or '0', 'outcome', 'expired', 'final', 'yes' })
    notice.reason, notice.target = 'callback-expired', 'hangup'
  else
    target = target or redis.call('HGET', K.queue(c.tenant, c.queue), 'overflow') or 'hangup'
    stat(c, 'overflowed')
    emit(c.tenant, 'overflowed', now, { 'call', c.id, 'queue', c.queue, 'reason', reason, 'target', target, 'wait_ms', fmt(now - tonumber(c.enq)) })
    notice.target = target
  end
  notify(c.owner, notice)
end
