--[[
  One agent leaves a ringing call's offer (paused, logged out, did not answer): a `returned`
  event; the call rings on for the agents left, or goes back to its queue when none is left.
  `tellOwner`: the owner of the call is told to stop ringing that agent.
  Returns how many agents the call still rings.
]]
--- @include "util"
--- @include "context"
--- @include "emit"
--- @include "requeue"

local function withdrawOffer(ref, c, agentId, now, reason, tellOwner)
  local left = {}
  for _, other in ipairs(split(c.agents, ',')) do if other ~= agentId then left[#left + 1] = other end end
  if tellOwner then notify(c.owner, { type = 'withdraw', tenant = c.tenant, call = c.id, agent = agentId }) end
  emit(c.tenant, 'returned', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'reason', reason })
  if #left > 0 then
    redis.call('HSET', K.call(c.tenant, c.id), 'agents', table.concat(left, ','))
  else
    returnCall(ref, c, now)
  end
  return #left
end
