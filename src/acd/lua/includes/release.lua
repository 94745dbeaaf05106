--[[
  After a ring: an agent reserved for a call is released (with or without a no-answer counted:
  `platform.max_no_answer` in a row pause it) and is freed.
]]
--- @include "util"
--- @include "agents"
--- @include "free_agent"

local function maxNoAnswerSetting()
  return tonumber(redis.call('HGET', K.settings(), 'max_no_answer')) or 3
end

local function releaseAgent(agentId, now, noAnswer, maxNoAnswer)
  local a = loadAgent(agentId)
  if a.state ~= 'reserved' then return end
  local idle = nil
  if noAnswer then
    if redis.call('HINCRBY', K.agent(agentId), 'rna', 1) >= maxNoAnswer then
      redis.call('HDEL', K.agent(agentId), 'call')
      setAgentState(agentId, a, 'paused', now, 'no-answer')
      return
    end
    idle = fmt(now)
  end
  freeAgent(agentId, a, now, idle, false)
end
