--[[
  The escalation step of a call. `esc`: the queue's step delays (ms after the call's arrival).
  The call is at `step` when given (its next step, as that step's timer fires), else at the step
  its wait has reached by `now`; the timer of the step after it is set. Returns the step.
]]
--- @include "util"

local function setEscalationStep(ref, c, esc, now, step)
  local enq = tonumber(c.enq)
  if step == nil then
    step = 0
    for i, after in ipairs(esc) do
      if now - enq >= tonumber(after) then step = i end
    end
  end
  c.step = tostring(step)
  if esc[step + 1] then redis.call('ZADD', K.timers(), fmt(enq + tonumber(esc[step + 1])), 'esc|' .. ref) end
  return step
end
