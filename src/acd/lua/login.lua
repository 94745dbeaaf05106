--[[
  Log an agent in to serve some tenants: it staffs every queue it may take, becomes available and
  takes the best call waiting for it.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  agent id
  ARGV[4]  tenants of the session (comma-separated)
  ARGV[5..] pairs: queue ref "tenant/queue", qualification spec "step|pos|level|strategy|nsteps"
  Reply    JSON { state = 'available' | 'reserved', notices }
  Errors   ALREADY_LOGGED_IN
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/agents"
--- @include "includes/match"

local now = tonumber(ARGV[2])
local agentId = ARGV[3]
local ak = K.agent(agentId)
local state = redis.call('HGET', ak, 'state')
if state and state ~= 'logged-out' then return redis.error_reply('ALREADY_LOGGED_IN agent ' .. agentId .. ' is ' .. state) end
openSession(agentId, ARGV[4], now, { unpack(ARGV, 5) })
local a = loadAgent(agentId)
a.state = 'logged-out'
setAgentState(agentId, a, 'available', now, '')
tryMatchAgent(agentId, now, a)
return finish({ state = redis.call('HGET', ak, 'state') })
