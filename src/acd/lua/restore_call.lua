--[[
  Restore a connected call the ACD lost (Redis came back empty) from what its instance holds:
  the call's hash, connected to its agent, and the agent on-call in a session of its own (its
  queues given by the caller); an agent already logged in again keeps its session and leaves the
  available lists. Nothing is counted in the queue's figures (the answer was counted before the
  loss); the end of the call is counted as usual.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance (becomes the call's owner)
  ARGV[2]  now (ms)
  ARGV[3]  tenant
  ARGV[4]  call id
  ARGV[5]  queue
  ARGV[6]  agent
  ARGV[7]  arrival time (ms)
  ARGV[8]  answer time (ms)
  ARGV[9]  caller
  ARGV[10] attributes (JSON)
  ARGV[11] the agent's session tenants (comma-separated), when it is not logged in
  ARGV[12..] pairs: queue ref "tenant/queue", qualification spec "step|pos|level|strategy|nsteps"
  Reply    JSON { state = 'restored' | 'exists', notices }
  Errors   AGENT_BUSY (the agent is logged in again and not available)
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/agents"
--- @include "includes/calls"
--- @include "includes/emit"

local now = tonumber(ARGV[2])
local tenant, callId, queue, agentId = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local ref = tenant .. '/' .. callId
if redis.call('EXISTS', K.call(tenant, callId)) == 1 then return finish({ state = 'exists' }) end
local a = loadAgent(agentId)
if a.state and a.state ~= 'logged-out' and a.state ~= 'available' then
  return redis.error_reply('AGENT_BUSY agent ' .. agentId .. ' is ' .. a.state)
end
if a.state == 'available' then
  removeAvailable(agentId)
else
  openSession(agentId, ARGV[11], now, { unpack(ARGV, 12) })
  a = loadAgent(agentId)
  a.state = 'logged-out'
end
redis.call('HSET', K.call(tenant, callId), 'id', callId, 'tenant', tenant, 'queue', queue, 'prio', '0', 'score', '0', 'seq', '0',
  'enq', ARGV[7], 'step', '0', 'state', 'connected', 'owner', SELF, 'caller', ARGV[9], 'attrs', ARGV[10], 'referent', '',
  'agent', agentId, 'ans', ARGV[8])
redis.call('SADD', K.instanceCalls(SELF), ref)
setAgentState(agentId, a, 'on-call', now, '', { 'call', ref }, true)
emit(tenant, 'restored', now, { 'call', callId, 'queue', queue, 'agent', agentId, 'answered_at', ARGV[8], 'wait_ms', fmt(tonumber(ARGV[8]) - tonumber(ARGV[7])) })
return finish({ state = 'restored' })
