--[[
  The tenant's event stream. Every event carries its type, the version of the event contract
  (`v`), the time and the tenant, then its own fields.
]]
--- @include "context"
local MAX_EVENTS = 100000
local EVENT_VERSION = '1'

local function emit(tenant, kind, now, fields)
  local args = { 'XADD', K.events(tenant), 'MAXLEN', '~', MAX_EVENTS, '*', 'type', kind, 'v', EVENT_VERSION, 'ts', NOWS, 'tenant', tenant }
  for i = 1, #fields do args[#args + 1] = fields[i] end
  redis.call(unpack(args))
end
