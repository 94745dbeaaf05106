-- Enqueue a call. ARGV: self, now, tenant, queue, callId, priority, caller, attrs(json),
-- referent agent ('' for none), keep seq ('' for new), keep enqueuedAt ('' for now)
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local tenant, queue, callId = ARGV[3], ARGV[4], ARGV[5]
local priority = tonumber(ARGV[6])
local qid = tenant .. '/' .. queue
local ref = tenant .. '/' .. callId
local qk = queueKey(qid)
local meta = hashToTable(redis.call('HGETALL', qk))
if meta.strategy == nil then return redis.error_reply('NO_SUCH_QUEUE ' .. qid) end
if redis.call('EXISTS', callKey(ref)) == 1 then return redis.error_reply('CALL_EXISTS ' .. ref) end
if redis.call('ZCARD', qk .. ':waiting') >= tonumber(meta.max_len) then
  emit(tenant, 'rejected', now, { 'call', callId, 'queue', queue, 'reason', 'queue-full' })
  redis.call('HINCRBY', qk .. ':stats', 'rejected', 1)
  return finish({ state = 'full' })
end
local seq = tonumber(ARGV[10]) or redis.call('INCR', P .. ':seq')
local enq = tonumber(ARGV[11]) or now
local score = fmt((100 - priority) * 1e13 + seq)
local c = {
  id = callId, tenant = tenant, queue = queue, prio = tostring(priority), score = score, seq = fmt(seq),
  enq = fmt(enq), step = '0', state = 'waiting', owner = SELF, caller = ARGV[7], attrs = ARGV[8],
  referent = ARGV[9], max_at = fmt(enq + tonumber(meta.max_wait_ms)),
}
-- Escalation steps the call has already passed (kept place after an overflow).
local esc = split(meta.esc, ',')
local step = 0
for i, after in ipairs(esc) do
  if now - enq >= tonumber(after) then step = i end
end
c.step = tostring(step)
local referent = ARGV[9]
if referent ~= '' then
  local refState = redis.call('HGET', agentKey(referent), 'state')
  local refMs = tonumber(meta.ref_ms) or 0
  if refMs > 0 and refState and refState ~= 'logged-out' and redis.call('HEXISTS', agentKey(referent) .. ':quals', qid) == 1 then
    c.state = 'referred'
    c.ref_until = fmt(now + refMs)
  end
end
local fields = {}
for k, v in pairs(c) do fields[#fields + 1] = k; fields[#fields + 1] = v end
redis.call('HSET', callKey(ref), unpack(fields))
if c.state == 'referred' then
  redis.call('ZADD', agentKey(referent) .. ':referred', score, ref)
  redis.call('ZADD', TIMERS, c.ref_until, 'ref|' .. ref)
end
if esc[step + 1] then redis.call('ZADD', TIMERS, fmt(enq + tonumber(esc[step + 1])), 'esc|' .. ref) end
redis.call('ZADD', TIMERS, c.max_at, 'max|' .. ref)
redis.call('HINCRBY', qk .. ':stats', 'offered', 1)
emit(tenant, 'enqueued', now, { 'call', callId, 'queue', queue, 'priority', tostring(priority), 'caller', ARGV[7], 'attrs', ARGV[8], 'referent', referent })
local matched
if c.state == 'referred' then matched = tryMatchCall(ref, c, now) else matched = matchOrQueue(ref, c, now) end
if not matched then redis.call('HINCRBY', qk .. ':stats', 'queued', 1) end
local position = 0
if c.state == 'waiting' then position = redis.call('ZRANK', qk .. ':waiting', callId) + 1 end
return finish({ state = c.state, position = position })
