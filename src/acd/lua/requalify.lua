--[[
  The configuration changed under a logged-in agent: its session keeps its state and call, and
  takes the queues it qualifies for now (skills, levels, tiers, agent order, queues added or
  removed).

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  agent id
  ARGV[4]  tenants of the session (comma-separated)
  ARGV[5..] pairs: queue ref "tenant/queue", qualification spec "step|pos|level|strategy|nsteps"
  Reply    JSON { state (the agent's), changed (boolean), notices }
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/agents"
--- @include "includes/match"

local now = tonumber(ARGV[2])
local agentId = ARGV[3]
local ak = K.agent(agentId)
local qk = K.agentQuals(agentId)
local a = loadAgent(agentId)
if a.state == nil or a.state == 'logged-out' then return finish({ state = 'logged-out', changed = false }) end
local old = redis.call('HGETALL', qk)
local new = {}
for i = 5, #ARGV, 2 do
  new[#new + 1] = ARGV[i]
  new[#new + 1] = ARGV[i + 1]
end
local before = {}
for i = 1, #old, 2 do before[old[i]] = old[i + 1] end
local same = (#old == #new) and a.tenants == ARGV[4]
if same then
  for i = 1, #new, 2 do
    if before[new[i]] ~= new[i + 1] then same = false end
  end
end
if same then return finish({ state = a.state, changed = false }) end
if a.state == 'available' then removeAvailable(agentId, old) end
for i = 1, #old, 2 do
  local t, q = parseRef(old[i])
  redis.call('SREM', K.queueStaffed(t, q), agentId)
end
redis.call('DEL', qk)
if #new > 0 then redis.call('HSET', qk, unpack(new)) end
for i = 1, #new, 2 do
  local t, q = parseRef(new[i])
  redis.call('SADD', K.queueStaffed(t, q), agentId)
end
redis.call('HSET', ak, 'tenants', ARGV[4])
a.tenants = ARGV[4]
if a.state == 'available' then tryMatchAgent(agentId, now, a) end
return finish({ state = redis.call('HGET', ak, 'state'), changed = true })
