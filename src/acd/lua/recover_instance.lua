--[[
  An instance stopped (its heartbeat expired): what it held in this pool is recovered, once,
  whichever live instance runs this first (a second run finds nothing left). Agents ringing for
  its calls are released without a no-answer counted against them; its connected calls are
  completed (their agents go to wrap-up); callbacks it owned (nobody on the line) are adopted by the
  calling instance and keep their place; every other call of it (its caller was on its legs) leaves
  the ACD and is counted lost. Its offer list and its index of calls are deleted.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance (adopts the callbacks)
  ARGV[2]  now (ms)
  ARGV[3]  the stopped instance
  Reply    JSON { state = 'alive' } when it is alive after all, { state = 'unknown' } when it is
           not listed (recovered already), else { state = 'recovered',
           adopted, released, ended = [ { tenant, call, queue, agent, stage } ], notices };
           stage: connected | waiting | reserved | referred | retry
  Errors   SELF (an instance cannot recover itself)
]]
--- @include "includes/context"
--- @include "includes/calls"
--- @include "includes/release"
--- @include "includes/requeue"
--- @include "includes/complete_call"

local now = tonumber(ARGV[2])
local dead = ARGV[3]
if dead == SELF then return redis.error_reply('SELF instance ' .. dead .. ' cannot recover itself') end
if redis.call('EXISTS', K.alive(dead)) == 1 then return finish({ state = 'alive' }) end
-- recovered already (by another survivor), or never listed
if redis.call('SISMEMBER', K.instances(), dead) == 0 then return finish({ state = 'unknown' }) end
local ended, adopted, released = {}, 0, 0
local calls, ringing, connected = {}, {}, {}
for _, ref in ipairs(redis.call('SMEMBERS', K.instanceCalls(dead))) do
  local c = loadCall(ref)
  if c then
    calls[#calls + 1] = { ref, c }
    if c.state == 'reserved' then for _, agentId in ipairs(split(c.agents, ',')) do ringing[#ringing + 1] = agentId end end
  end
end
-- in this order, so that no agent freed here takes a call that is about to leave:
-- 1. the calls that cannot be served leave the ACD; 2. the callbacks are adopted, back in their
-- place; 3. the agents that rang for them are freed (without a no-answer: the rings were cut with
-- the instance); 4. the connected calls are completed (their agents to wrap-up or freed)
for _, item in ipairs(calls) do
  local ref, c = item[1], item[2]
  if c.state == 'connected' then
    connected[#connected + 1] = item
  elseif c.callback then
    ownCall(ref, c, SELF)
    if c.state == 'reserved' then returnCall(ref, c, now) end
    adopted = adopted + 1
  else
    local stage = c.state
    dropCall(ref, c)
    stat(c, 'lost')
    ended[#ended + 1] = { tenant = c.tenant, call = c.id, queue = c.queue, stage = stage }
  end
end
for _, agentId in ipairs(ringing) do
  releaseAgent(agentId, now, false, 0)
  released = released + 1
end
for _, item in ipairs(connected) do
  local ref, c = item[1], item[2]
  completeCall(ref, c, now, 'system')
  ended[#ended + 1] = { tenant = c.tenant, call = c.id, queue = c.queue, agent = c.agent, stage = 'connected' }
end
redis.call('DEL', K.instanceCalls(dead), K.offers(dead))
redis.call('SREM', K.instances(), dead)
return finish({ state = 'recovered', adopted = adopted, released = released, ended = ended })
