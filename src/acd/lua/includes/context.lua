--[[
  The arguments every ACD script starts with: ARGV[1] the calling instance (SELF), ARGV[2] the
  time in ms (NOWS, as given). Notices (offers, withdrawals, overflows) for the instance that owns
  a call's signalling: queued in its offer list, or returned in the reply (finish) when that
  instance is the caller.
]]
local SELF = ARGV[1]
local NOWS = ARGV[2]

local replies = {}
local function notify(owner, msg)
  if owner == SELF then
    replies[#replies + 1] = msg
  else
    redis.call('RPUSH', K.offers(owner), cjson.encode(msg))
  end
end

-- The script's reply: `result` with the caller's notices, as JSON.
local function finish(result)
  result.notices = replies
  return cjson.encode(result)
end
