-- The configuration changed under a logged-in agent: its session keeps its state and call, and
-- takes the queues it qualifies for now (skills, levels, tiers, agent order, queues added or
-- removed). ARGV: self, now, agentId, tenants(csv), then pairs of qid, qualification spec.
SELF = ARGV[1]
local now = tonumber(ARGV[2])
local agentId = ARGV[3]
local ak = agentKey(agentId)
local a = loadAgent(agentId)
if a.state == nil or a.state == 'logged-out' then return finish({ state = 'logged-out', changed = false }) end
local old = redis.call('HGETALL', ak .. ':quals')
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
for i = 1, #old, 2 do redis.call('SREM', queueKey(old[i]) .. ':staffed', agentId) end
redis.call('DEL', ak .. ':quals')
if #new > 0 then redis.call('HSET', ak .. ':quals', unpack(new)) end
for i = 1, #new, 2 do redis.call('SADD', queueKey(new[i]) .. ':staffed', agentId) end
redis.call('HSET', ak, 'tenants', ARGV[4])
a.tenants = ARGV[4]
if a.state == 'available' then tryMatchAgent(agentId, now, a) end
return finish({ state = redis.call('HGET', ak, 'state'), changed = true })
