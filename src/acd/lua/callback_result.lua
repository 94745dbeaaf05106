--[[
  How the call to the customer of a callback went, once its reserved agent answered.
  connected: the customer is on the line (talk time counts from now).
  busy / no-answer / failed: the agent is free again; the callback waits `retry_ms` out of the
  queue (longer when that falls outside its calling hours), then takes its original place again,
  until `max_attempts` attempts have failed (or the retry would come after the callback's expiry).

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  tenant
  ARGV[4]  call id
  ARGV[5]  outcome: connected | busy | no-answer | failed
  ARGV[6]  retry_ms: wait before the next attempt
  ARGV[7]  max_attempts
  Reply    JSON { state = 'connected' | 'retry' | 'failed', attempt, notices }
  Errors   NO_SUCH_CALLBACK, NOT_CONNECTED
]]
--- @include "includes/context"
--- @include "includes/calls"
--- @include "includes/emit"
--- @include "includes/free_agent"
--- @include "includes/callback_hours"

local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local outcome = ARGV[5]
local c = loadCall(ref)
if not c or not c.callback then return redis.error_reply('NO_SUCH_CALLBACK call ' .. ref .. ' is not a callback') end
if c.state ~= 'connected' then return redis.error_reply('NOT_CONNECTED call ' .. ref .. ' is ' .. c.state) end
local ck = K.call(c.tenant, c.id)
local attempt = redis.call('HINCRBY', ck, 'cb_tries', 1)
local agentId = c.agent
local pending = K.queueCallbacks(c.tenant, c.queue)
if outcome == 'connected' then
  redis.call('ZREM', pending, c.id)
  if c.cb_check then redis.call('ZREM', K.timers(), c.cb_check) end
  redis.call('HSET', ck, 'ans', NOWS)
  stat(c, 'callbacks_connected')
  emit(c.tenant, 'callback_connected', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'number', c.callback, 'attempt', tostring(attempt), 'wait_ms', fmt(now - tonumber(c.cb_at)) })
  return finish({ state = 'connected', attempt = attempt })
end
local final = attempt >= tonumber(ARGV[7])
local due = now + tonumber(ARGV[6])
if not final and due >= tonumber(c.max_at) then final = true end
if final then
  redis.call('ZREM', pending, c.id)
  stat(c, 'callbacks_failed')
  forgetCall(ref, c)
else
  stat(c, 'callback_retries')
  redis.call('HSET', ck, 'state', 'retry')
  redis.call('HDEL', ck, 'agent', 'ans')
  redis.call('ZADD', K.timers(), fmt(due), 'cbr|' .. ref)
  redis.call('ZADD', K.timers(), c.max_at, 'max|' .. ref)
  armCallingHours(ref, c, now)
end
-- the agent goes straight back to work (its idle time is kept: no call was handled)
local function toldResult(agentState)
  emit(c.tenant, 'callback_failed', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'agent_state', agentState, 'number', c.callback, 'attempt', tostring(attempt), 'outcome', outcome, 'final', final and 'yes' or 'no' })
end
local a = loadAgent(agentId)
if a.state == 'on-call' then
  freeAgent(agentId, a, now, nil, true, toldResult)
else
  redis.call('HDEL', K.agent(agentId), 'call')
  toldResult(a.state)
end
return finish({ state = final and 'failed' or 'retry', attempt = attempt })
