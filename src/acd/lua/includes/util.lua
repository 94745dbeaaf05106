--[[
  Small helpers: whole numbers as strings, splitting lists, "tenant/id" references, HGETALL
  replies as tables.
]]
local function fmt(n) return string.format('%.0f', n) end

local function split(s, sep)
  local out = {}
  if s == nil or s == false or s == '' then return out end
  for part in string.gmatch(s, '([^' .. sep .. ']+)') do out[#out + 1] = part end
  return out
end

-- "tenant/id" -> tenant, id
local function parseRef(ref)
  local t, id = string.match(ref, '^([^/]+)/(.+)$')
  return t, id
end

local function hashToTable(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end
