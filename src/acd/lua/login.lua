-- Log an agent in to serve some tenants. ARGV: self, now, agentId, tenants(csv), then pairs of
-- qid, qualification spec ("step|pos|level|strategy|nsteps") for every queue it may take.
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local agentId = ARGV[3]
local ak = agentKey(agentId)
local state = redis.call('HGET', ak, 'state')
if state and state ~= 'logged-out' then return redis.error_reply('ALREADY_LOGGED_IN agent ' .. agentId .. ' is ' .. state) end
redis.call('DEL', ak, ak .. ':quals')
redis.call('HSET', ak, 'tenants', ARGV[4], 'login_at', fmt(now), 'calls', '0', 'talk_ms', '0', 'rna', '0', 'idle_since', fmt(now))
local quals = {}
for i = 5, #ARGV, 2 do
  quals[#quals + 1] = ARGV[i]
  quals[#quals + 1] = ARGV[i + 1]
  redis.call('SADD', queueKey(ARGV[i]) .. ':staffed', agentId)
end
if #quals > 0 then redis.call('HSET', ak .. ':quals', unpack(quals)) end
redis.call('SADD', P .. ':agents', agentId)
local a = loadAgent(agentId)
a.state = 'logged-out'
setAgentState(agentId, a, 'available', now, '')
tryMatchAgent(agentId, now, a)
return finish({ state = redis.call('HGET', ak, 'state') })
