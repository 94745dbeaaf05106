-- The caller hung up before being connected: remove the call wherever it is.
-- ARGV: self, now, tenant, callId
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local c = loadCall(ref)
if not c then return finish({ state = 'unknown' }) end
if c.state == 'connected' then return redis.error_reply('CONNECTED call ' .. ref .. ' is connected; complete it') end
local stage = 'queued'
if c.state == 'waiting' then takeFromQueue(c) end
if c.state == 'referred' then redis.call('ZREM', agentKey(c.referent) .. ':referred', ref) end
clearCallTimers(ref)
if c.callback then redis.call('ZREM', queueKey(c.tenant .. '/' .. c.queue) .. ':callbacks', c.id) end
redis.call('DEL', callKey(ref))
stat(c, 'abandoned')
local waited = now - tonumber(c.enq)
if c.state == 'reserved' then stage = 'ringing' end
emit(c.tenant, 'abandoned', now, { 'call', c.id, 'queue', c.queue, 'stage', stage, 'wait_ms', fmt(waited) })
if c.state == 'reserved' then
  local maxNoAnswer = maxNoAnswerSetting()
  for _, agentId in ipairs(split(c.agents, ',')) do releaseAgent(agentId, now, false, maxNoAnswer) end
end
return finish({ state = 'abandoned', stage = stage, waitMs = waited, queue = c.queue })
