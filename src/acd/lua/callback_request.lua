-- The waiting caller asked to be called back: the call keeps its place in the queue without a
-- caller on the line. Its maximum wait becomes the callback's expiry; an agent reserved for it
-- is offered to this instance as usual, which then calls the customer on `number`.
-- ARGV: self, now, tenant, callId, number, expire_ms
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local ref = ARGV[3] .. '/' .. ARGV[4]
local c = loadCall(ref)
if not c then return redis.error_reply('NO_SUCH_CALL call ' .. ref .. ' is not in the ACD') end
if c.state ~= 'waiting' and c.state ~= 'referred' then
  return redis.error_reply('NOT_WAITING call ' .. ref .. ' is ' .. c.state)
end
if c.callback then return redis.error_reply('CALLBACK_EXISTS call ' .. ref .. ' already waits for a callback') end
local maxAt = fmt(now + tonumber(ARGV[6]))
redis.call('HSET', callKey(ref), 'callback', ARGV[5], 'cb_at', NOWS, 'cb_tries', '0', 'max_at', maxAt, 'owner', SELF)
redis.call('ZADD', TIMERS, maxAt, 'max|' .. ref)
redis.call('ZADD', queueKey(c.tenant .. '/' .. c.queue) .. ':callbacks', NOWS, c.id)
stat(c, 'callbacks_requested')
emit(c.tenant, 'callback_requested', now, { 'call', c.id, 'queue', c.queue, 'number', ARGV[5], 'wait_ms', fmt(now - tonumber(c.enq)) })
local position = 0
if c.state == 'waiting' then position = redis.call('ZRANK', queueKey(c.tenant .. '/' .. c.queue) .. ':waiting', c.id) + 1 end
return finish({ state = c.state, position = position })
