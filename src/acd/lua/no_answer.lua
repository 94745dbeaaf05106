-- An offered agent did not take the call (ring timeout, busy, declined, unreachable).
-- ARGV: self, now, tenant, callId, agentId, reason
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local agentId, reason = ARGV[5], ARGV[6]
local c = loadCall(ref)
if not c or c.state ~= 'reserved' then return redis.error_reply('NOT_OFFERED call ' .. ref .. ' is not ringing') end
local offered = split(c.agents, ',')
local left = {}
local found = false
for _, a in ipairs(offered) do
  if a == agentId then found = true else left[#left + 1] = a end
end
if not found then return redis.error_reply('NOT_OFFERED call ' .. ref .. ' was not offered to ' .. agentId) end
emit(c.tenant, 'returned', now, { 'call', c.id, 'queue', c.queue, 'agent', agentId, 'reason', reason })
if #left > 0 then
  redis.call('HSET', callKey(ref), 'agents', table.concat(left, ','))
else
  returnCall(ref, c, now)
end
releaseAgent(agentId, now, true, maxNoAnswerSetting())
return finish({ state = #left > 0 and 'reserved' or 'returned' })
