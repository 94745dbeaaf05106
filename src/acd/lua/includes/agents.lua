--[[
  An agent's hash and its place in the available lists of the queues of its session.
  quals spec (agentQuals): "step|pos|level|strategy|nsteps".
]]
--- @include "util"
--- @include "emit"

local function parseQual(spec)
  local f = split(spec, '|')
  return tonumber(f[1]), tonumber(f[2]), tonumber(f[3]), f[4], tonumber(f[5])
end

local function agentScore(strategy, a, pos, level)
  local idle = tonumber(a.idle_since) or 0
  if strategy == 'fewest-calls' then return fmt((tonumber(a.calls) or 0) * 1e13 + idle) end
  if strategy == 'least-talk-time' then return fmt(tonumber(a.talk_ms) or 0) end
  if strategy == 'round-robin' or strategy == 'top-down' then return fmt(pos) end
  if strategy == 'random' then return '0' end
  if strategy == 'skill-level' then return fmt((1000 - level) * 1e13 + idle) end
  return fmt(idle)
end

local function loadAgent(agentId)
  return hashToTable(redis.call('HGETALL', K.agent(agentId)))
end

local function removeAvailable(agentId, quals)
  quals = quals or redis.call('HGETALL', K.agentQuals(agentId))
  for i = 1, #quals, 2 do
    local t, q = parseRef(quals[i])
    local step = parseQual(quals[i + 1])
    redis.call('ZREM', K.queueAvailable(t, q, step), agentId)
  end
end

local function addAvailable(agentId, a, quals)
  for i = 1, #quals, 2 do
    local t, q = parseRef(quals[i])
    local step, pos, level, strategy = parseQual(quals[i + 1])
    redis.call('ZADD', K.queueAvailable(t, q, step), agentScore(strategy, a, pos, level), agentId)
  end
end

-- `quiet`: the transition is told by the call event of the same step (reserved, connected,
-- completed carry the agent and its new state), so no agent_state event is written.
local function setAgentState(agentId, a, to, now, reason, extra, quiet)
  local from = a.state
  local args = { 'HSET', K.agent(agentId), 'state', to, 'state_since', NOWS, 'reason', reason or '' }
  if extra then for i = 1, #extra do args[#args + 1] = extra[i] end end
  redis.call(unpack(args))
  a.state = to
  if from ~= to and not quiet then
    for _, tenant in ipairs(split(a.tenants, ',')) do
      emit(tenant, 'agent_state', now, { 'agent', agentId, 'from', from or 'logged-out', 'to', to, 'reason', reason or '' })
    end
  end
end

-- A new login session: the agent's counters start again, it takes the queues it qualifies for
-- (`qualArgs`: pairs `T/Q`, qualification spec), and it is one of the pool's agents.
local function openSession(agentId, tenants, now, qualArgs)
  local ak = K.agent(agentId)
  redis.call('DEL', ak, K.agentQuals(agentId))
  redis.call('HSET', ak, 'tenants', tenants, 'login_at', fmt(now), 'calls', '0', 'talk_ms', '0', 'rna', '0', 'idle_since', fmt(now))
  local quals = {}
  for i = 1, #qualArgs, 2 do
    quals[#quals + 1] = qualArgs[i]
    quals[#quals + 1] = qualArgs[i + 1]
    local t, q = parseRef(qualArgs[i])
    redis.call('SADD', K.queueStaffed(t, q), agentId)
  end
  if #quals > 0 then redis.call('HSET', K.agentQuals(agentId), unpack(quals)) end
  redis.call('SADD', K.agents(), agentId)
end
