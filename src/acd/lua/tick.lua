-- Run the timers that are due: ring timeouts, escalation steps, referent fallback, maximum
-- wait, callback retries and the end of wrap-up. Safe to call from every instance. ARGV: self, now, limit
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local due = redis.call('ZRANGEBYSCORE', TIMERS, '-inf', fmt(now), 'LIMIT', 0, tonumber(ARGV[3]))
local maxNoAnswer = maxNoAnswerSetting()
for _, member in ipairs(due) do
  redis.call('ZREM', TIMERS, member)
  local kind, subject = string.match(member, '^(%a+)|(.+)$')
  if kind == 'wrap' then
    local a = loadAgent(subject)
    if a.state == 'wrap-up' then
      if a.pause_pending and a.pause_pending ~= '' then
        redis.call('HDEL', agentKey(subject), 'pause_pending')
        setAgentState(subject, a, 'paused', now, a.pause_pending)
      else
        redis.call('HSET', agentKey(subject), 'idle_since', fmt(now))
        a.idle_since = fmt(now)
        setAgentState(subject, a, 'available', now, '')
        tryMatchAgent(subject, now, a)
      end
    end
  else
    local c = loadCall(subject)
    if c then
      if kind == 'res' and c.state == 'reserved' then
        local offered = split(c.agents, ',')
        for _, agentId in ipairs(offered) do
          emit(c.tenant, 'returned', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'reason', 'ring-timeout' })
        end
        returnCall(subject, c, now)
        for _, agentId in ipairs(offered) do
          notify(c.owner, { type = 'withdraw', tenant = c.tenant, call = c.id, agent = agentId })
          releaseAgent(agentId, now, true, maxNoAnswer)
        end
      elseif kind == 'esc' then
        local step = tonumber(c.step) + 1
        if c.state == 'waiting' then takeFromQueue(c) end
        c.step = tostring(step)
        redis.call('HSET', callKey(subject), 'step', c.step)
        local esc = split(redis.call('HGET', queueKey(c.tenant .. '/' .. c.queue), 'esc'), ',')
        if esc[step + 1] then redis.call('ZADD', TIMERS, fmt(tonumber(c.enq) + tonumber(esc[step + 1])), 'esc|' .. subject) end
        emit(c.tenant, 'escalated', now, { 'call', c.id, 'queue', c.queue, 'step', c.step })
        if c.state == 'waiting' then matchOrQueue(subject, c, now) end
      elseif kind == 'ref' and c.state == 'referred' then
        redis.call('ZREM', agentKey(c.referent) .. ':referred', subject)
        c.state = 'waiting'
        redis.call('HSET', callKey(subject), 'state', 'waiting')
        emit(c.tenant, 'referent_timeout', now, { 'call', c.id, 'queue', c.queue, 'agent', c.referent })
        matchOrQueue(subject, c, now)
      elseif kind == 'max' and (c.state == 'waiting' or c.state == 'referred' or c.state == 'retry') then
        overflow(subject, c, now, 'max-wait')
      elseif kind == 'cbr' and c.state == 'retry' then
        -- a callback to try again: back in its original place, at the escalation step its wait has reached
        local esc = split(redis.call('HGET', queueKey(c.tenant .. '/' .. c.queue), 'esc'), ',')
        local step = 0
        for i, after in ipairs(esc) do
          if now - tonumber(c.enq) >= tonumber(after) then step = i end
        end
        c.step = tostring(step)
        c.state = 'waiting'
        redis.call('HSET', callKey(subject), 'state', 'waiting', 'step', c.step)
        if esc[step + 1] then redis.call('ZADD', TIMERS, fmt(tonumber(c.enq) + tonumber(esc[step + 1])), 'esc|' .. subject) end
        emit(c.tenant, 'callback_retry', now, { 'call', c.id, 'queue', c.queue, 'attempt', tostring((tonumber(c.cb_tries) or 0) + 1) })
        matchOrQueue(subject, c, now)
      end
    end
  end
end
local nextDue = redis.call('ZRANGE', TIMERS, 0, 0, 'WITHSCORES')
return finish({ processed = #due, nextDue = tonumber(nextDue[2]) })
