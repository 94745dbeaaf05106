--[[
  Enqueue a call: offered at once to an agent when one is ready, else put in its place (by
  priority, then arrival). A call naming a referent agent that may take it waits for that agent
  first (`referent_wait`). A call keeping its place (after an overflow to this queue) keeps its
  arrival order and time, and the escalation steps its wait has passed.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance (becomes the call's owner)
  ARGV[2]  now (ms)
  ARGV[3]  tenant
  ARGV[4]  queue
  ARGV[5]  call id
  ARGV[6]  priority, 0..99
  ARGV[7]  caller
  ARGV[8]  attributes (JSON)
  ARGV[9]  referent agent ('' for none)
  ARGV[10] arrival order to keep ('' for a new one)
  ARGV[11] arrival time to keep ('' for now)
  A call that finds no agent and meets an overflow rule of the queue (waiting, no-agents,
  estimated-wait) leaves at once for the rule's target (state `overflowed`, told as an overflow
  notice); the `waited` rules are timers (`ovr`).

  Reply    JSON { state = 'waiting' | 'referred' | 'reserved' | 'full' | 'overflowed', position, notices }
  Errors   NO_SUCH_QUEUE, CALL_EXISTS
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/calls"
--- @include "includes/emit"
--- @include "includes/escalation"
--- @include "includes/match"
--- @include "includes/overflow_rules"

local now = tonumber(ARGV[2])
local tenant, queue, callId = ARGV[3], ARGV[4], ARGV[5]
local priority = tonumber(ARGV[6])
local qid = tenant .. '/' .. queue
local ref = tenant .. '/' .. callId
local meta = hashToTable(redis.call('HGETALL', K.queue(tenant, queue)))
if meta.strategy == nil then return redis.error_reply('NO_SUCH_QUEUE ' .. qid) end
if redis.call('EXISTS', K.call(tenant, callId)) == 1 then return redis.error_reply('CALL_EXISTS ' .. ref) end
if redis.call('ZCARD', K.queueWaiting(tenant, queue)) >= tonumber(meta.max_len) then
  emit(tenant, 'rejected', now, { 'call', callId, 'queue', queue, 'reason', 'queue-full' })
  redis.call('HINCRBY', K.queueStats(tenant, queue), 'rejected', 1)
  return finish({ state = 'full' })
end
local seq = tonumber(ARGV[10]) or redis.call('INCR', K.seq())
local enq = tonumber(ARGV[11]) or now
local score = fmt((100 - priority) * 1e13 + seq)
local c = {
  id = callId, tenant = tenant, queue = queue, prio = tostring(priority), score = score, seq = fmt(seq),
  enq = fmt(enq), step = '0', state = 'waiting', owner = SELF, caller = ARGV[7], attrs = ARGV[8],
  referent = ARGV[9], max_at = fmt(enq + tonumber(meta.max_wait_ms)),
}
setEscalationStep(ref, c, split(meta.esc, ','), now)
local referent = ARGV[9]
if referent ~= '' then
  local refState = redis.call('HGET', K.agent(referent), 'state')
  local refMs = tonumber(meta.ref_ms) or 0
  if refMs > 0 and refState and refState ~= 'logged-out' and redis.call('HEXISTS', K.agentQuals(referent), qid) == 1 then
    c.state = 'referred'
    c.ref_until = fmt(now + refMs)
  end
end
local fields = {}
for k, v in pairs(c) do fields[#fields + 1] = k; fields[#fields + 1] = v end
redis.call('HSET', K.call(tenant, callId), unpack(fields))
redis.call('SADD', K.instanceCalls(SELF), ref)
if c.state == 'referred' then
  redis.call('ZADD', K.agentReferred(referent), score, ref)
  redis.call('ZADD', K.timers(), c.ref_until, 'ref|' .. ref)
end
redis.call('ZADD', K.timers(), c.max_at, 'max|' .. ref)
local rules = decodeRules(meta.rules)
scheduleWaited(ref, c, rules)
-- a call keeping its place after an overflow was offered once, in the queue it first entered
redis.call('HINCRBY', K.queueStats(tenant, queue), ARGV[10] == '' and 'offered' or 'overflow_in', 1)
emit(tenant, 'enqueued', now, { 'call', callId, 'queue', queue, 'priority', tostring(priority), 'caller', ARGV[7], 'attrs', ARGV[8], 'referent', referent })
local matched
if c.state == 'referred' then matched = tryMatchCall(ref, c, now) else matched = matchOrQueue(ref, c, now) end
if c.state == 'waiting' then
  local reason, target = arrivalRule(c, meta, rules)
  if reason then
    overflow(ref, c, now, reason, target)
    if target ~= 'callback' then return finish({ state = 'overflowed', position = 0 }) end
  end
end
if not matched then redis.call('HINCRBY', K.queueStats(tenant, queue), 'queued', 1) end
local position = 0
if c.state == 'waiting' then position = redis.call('ZRANK', K.queueWaiting(tenant, queue), callId) + 1 end
return finish({ state = c.state, position = position })
