--[[
  A call whose wait is over leaves the queue for its overflow target (told to its owner), or, for
  a callback not made in time, is reported failed.
]]
--- @include "context"
--- @include "emit"
--- @include "calls"

local function overflow(ref, c, now, reason)
  dropCall(ref, c)
  local notice = { type = 'overflow', tenant = c.tenant, call = c.id, queue = c.queue, reason = reason, seq = c.seq, enqueuedAt = tonumber(c.enq), priority = tonumber(c.prio) }
  if c.callback then
    -- nobody is on the line: a callback not made in time is reported, not overflowed
    stat(c, 'callbacks_failed')
    emit(c.tenant, 'callback_failed', now, { 'call', c.id, 'queue', c.queue, 'number', c.callback, 'attempt', c.cb_tries or '0', 'outcome', 'expired', 'final', 'yes' })
    notice.reason, notice.target = 'callback-expired', 'hangup'
  else
    local target = redis.call('HGET', K.queue(c.tenant, c.queue), 'overflow') or 'hangup'
    stat(c, 'overflowed')
    emit(c.tenant, 'overflowed', now, { 'call', c.id, 'queue', c.queue, 'reason', reason, 'target', target, 'wait_ms', fmt(now - tonumber(c.enq)) })
    notice.target = target
  end
  notify(c.owner, notice)
end
