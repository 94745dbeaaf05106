--[[
  An offered agent did not take the call (ring timeout, busy, declined, unreachable): it leaves
  the offer with a no-answer counted; the call goes back to its place when nobody else rings.

  KEYS[1]  pool prefix acd:{<pool>}
  ARGV[1]  calling instance
  ARGV[2]  now (ms)
  ARGV[3]  tenant
  ARGV[4]  call id
  ARGV[5]  agent id
  ARGV[6]  reason: ring-timeout | busy | declined | unreachable
  Reply    JSON { state = 'reserved' (other agents still ring) | 'returned', notices }
  Errors   NOT_OFFERED
]]
--- @include "includes/context"
--- @include "includes/util"
--- @include "includes/calls"
--- @include "includes/withdraw"
--- @include "includes/release"

local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local agentId, reason = ARGV[5], ARGV[6]
local c = loadCall(ref)
if not c or c.state ~= 'reserved' then return redis.error_reply('NOT_OFFERED call ' .. ref .. ' is not ringing') end
local found = false
for _, a in ipairs(split(c.agents, ',')) do if a == agentId then found = true end end
if not found then return redis.error_reply('NOT_OFFERED call ' .. ref .. ' was not offered to ' .. agentId) end
local left = withdrawOffer(ref, c, agentId, now, reason, false)
releaseAgent(agentId, now, true, maxNoAnswerSetting())
return finish({ state = left > 0 and 'reserved' or 'returned' })
