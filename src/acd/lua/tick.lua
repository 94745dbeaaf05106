--[[
  Run the timers that are due: ring timeouts, escalation steps, referent fallback, maximum wait,
  callback retries, the end of wrap-up and callbacks' due times (`brc`: a callback not connected
  by then is a breach, told in `callback_breached` and in the reply). Safe to call from every instance.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  at most this many timers
  Reply    JSON { processed, nextDue (ms, absent when no timer is left), breaches = [{ tenant, queue, call }], notices }
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/agents"
--- @include "includes/calls"
--- @include "includes/emit"
--- @include "includes/escalation"
--- @include "includes/free_agent"
--- @include "includes/release"
--- @include "includes/requeue"
--- @include "includes/overflow"
--- @include "includes/overflow_rules"
--- @include "includes/callback_hours"

local now = tonumber(ARGV[2])
local timers = K.timers()
local due = redis.call('ZRANGEBYSCORE', timers, '-inf', fmt(now), 'LIMIT', 0, tonumber(ARGV[3]))
local maxNoAnswer = maxNoAnswerSetting()

local function queueEsc(c) return split(redis.call('HGET', K.queue(c.tenant, c.queue), 'esc'), ',') end

local breaches = {}
for _, member in ipairs(due) do
  redis.call('ZREM', timers, member)
  local kind, subject = string.match(member, '^(%a+)|(.+)$')
  if kind == 'brc' then
    -- T/C|queue|due|urgency|number: the call's hash is gone when the callback was given up
    local ref, queue, dueAt, urgency, number = string.match(subject, '^([^|]+)|([^|]+)|([^|]+)|([^|]*)|(.*)$')
    local tenant, callId = parseRef(ref)
    -- (a connected customer removed this timer: whatever fires here was not made in time)
    local c = loadCall(ref)
    redis.call('HINCRBY', K.queueStats(tenant, queue), 'callbacks_breached', 1)
    emit(tenant, 'callback_breached', now, { 'call', callId, 'queue', queue, 'number', number, 'due', dueAt, 'urgency', urgency, 'pending', (c and c.callback) and 'yes' or 'no' })
    breaches[#breaches + 1] = { tenant = tenant, queue = queue, call = callId }
  elseif kind == 'wrap' then
    local a = loadAgent(subject)
    if a.state == 'wrap-up' then freeAgent(subject, a, now, fmt(now), false) end
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
        if c.state == 'waiting' then takeFromQueue(c) end
        setEscalationStep(subject, c, queueEsc(c), now, tonumber(c.step) + 1)
        redis.call('HSET', K.call(c.tenant, c.id), 'step', c.step)
        emit(c.tenant, 'escalated', now, { 'call', c.id, 'queue', c.queue, 'step', c.step })
        if c.state == 'waiting' then matchOrQueue(subject, c, now) end
      elseif kind == 'ref' and c.state == 'referred' then
        emit(c.tenant, 'referent_timeout', now, { 'call', c.id, 'queue', c.queue, 'agent', c.referent })
        referredToQueue(subject, c, now)
      elseif kind == 'ovr' and (c.state == 'waiting' or c.state == 'referred') then
        waitedRule(subject, c, now)
      elseif kind == 'max' and (c.state == 'waiting' or c.state == 'referred' or c.state == 'retry') then
        overflow(subject, c, now, 'max-wait')
      elseif kind == 'cbh' and c.callback then
        -- the calling hours close: a callback not being made waits out of the queue until they open
        local untilMs = closedUntil(c, now)
        if untilMs and (c.state == 'waiting' or c.state == 'referred') then
          holdCallback(subject, c, now, untilMs)
          emit(c.tenant, 'callback_held', now, { 'call', c.id, 'queue', c.queue, 'until', fmt(untilMs) })
        end
        if c.state == 'reserved' then
          -- agents ring for it: looked at again in a second (a ring that finds nobody puts it back)
          redis.call('ZADD', timers, fmt(now + 1000), 'cbh|' .. subject)
        elseif c.state ~= 'connected' then
          armCallingHours(subject, c, now)
        end
      elseif kind == 'cbr' and c.state == 'retry' and closedUntil(c, now) then
        -- a retry due outside the calling hours: at their opening
        local untilMs = closedUntil(c, now)
        redis.call('ZADD', timers, fmt(untilMs), 'cbr|' .. subject)
        emit(c.tenant, 'callback_held', now, { 'call', c.id, 'queue', c.queue, 'until', fmt(untilMs) })
      elseif kind == 'cbr' and c.state == 'retry' then
        -- a callback to try again: back in its original place, at the escalation step its wait has reached
        setEscalationStep(subject, c, queueEsc(c), now)
        emit(c.tenant, 'callback_retry', now, { 'call', c.id, 'queue', c.queue, 'attempt', tostring((tonumber(c.cb_tries) or 0) + 1) })
        rejoinQueue(subject, c, now, { 'step', c.step })
      end
    end
  end
end
local nextDue = redis.call('ZRANGE', timers, 0, 0, 'WITHSCORES')
return finish({ processed = #due, nextDue = tonumber(nextDue[2]), breaches = breaches })
