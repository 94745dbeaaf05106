--[[
  An agent freed (its ring, call or wrap-up is over) goes to the pause it asked for meanwhile, or
  to available, and then takes the best call waiting for it.
]]
--- @include "agents"
--- @include "match"

-- `idle`: its new idle_since (nil: unchanged). `quiet`: told by the call event of the same step
-- (setAgentState). `announce(next)`: writes that call event, once the agent's next state is set
-- and before it takes a call. Returns the agent's next state.
local function freeAgent(agentId, a, now, idle, quiet, announce)
  local ak = K.agent(agentId)
  local pending = a.pause_pending
  if pending and pending ~= '' then
    redis.call('HDEL', ak, 'call', 'pause_pending')
    a.call, a.pause_pending = nil, nil
    setAgentState(agentId, a, 'paused', now, pending, nil, quiet)
    if announce then announce('paused') end
    return 'paused'
  end
  if a.call then
    redis.call('HDEL', ak, 'call')
    a.call = nil
  end
  local extra = nil
  if idle then
    a.idle_since = idle
    extra = { 'idle_since', idle }
  end
  setAgentState(agentId, a, 'available', now, '', extra, quiet)
  if announce then announce('available') end
  tryMatchAgent(agentId, now, a)
  return 'available'
end
