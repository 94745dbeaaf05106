--[[
  The caller hung up before being connected: the call is removed wherever it is (waiting, waiting
  for its referent, ringing agents, waiting for a callback retry); ringing agents are released.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  tenant
  ARGV[4]  call id
  Reply    JSON { state = 'abandoned', stage = 'queued' | 'ringing', waitMs, queue, notices },
           or { state = 'unknown' } when the call is not in the ACD
  Errors   CONNECTED (the call is connected: complete it)
]]
--- @include "includes/context"
--- @include "includes/calls"
--- @include "includes/emit"
--- @include "includes/release"

local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local c = loadCall(ref)
if not c then return finish({ state = 'unknown' }) end
if c.state == 'connected' then return redis.error_reply('CONNECTED call ' .. ref .. ' is connected; complete it') end
dropCall(ref, c)
stat(c, 'abandoned')
local waited = now - tonumber(c.enq)
local stage = c.state == 'reserved' and 'ringing' or 'queued'
emit(c.tenant, 'abandoned', now, { 'call', c.id, 'queue', c.queue, 'stage', stage, 'wait_ms', fmt(waited) })
if c.state == 'reserved' then
  local maxNoAnswer = maxNoAnswerSetting()
  for _, agentId in ipairs(split(c.agents, ',')) do releaseAgent(agentId, now, false, maxNoAnswer) end
end
return finish({ state = 'abandoned', stage = stage, waitMs = waited, queue = c.queue })
