-- intake.lua: POST /api/v1/feedback with varied, realistic Vietnamese submissions, counted
-- as common.lua does (201: stored).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")
local items = {"LC-T1", "LC-T3", "LC-T5", "LC-T20", "LC-T25", "LC-T33", "DB-I01", "DB-I03",
  "DB-I12", "DB-T-I.1", "DB-T-IV.2", "DB-T-V.3.2"}
local n = 0
-- Each thread its own random sequence: the same text twice from one client within ten
-- minutes is a duplicate, which the service answers 200 with the first receipt.
function init(args) start_counting() end
function request()
  n = n + 1
  local body = string.format(
    '{"item_code":"%s","rating":%d,"kind":"%s","body":"%s (%d-%d)"}',
    items[math.random(#items)], math.random(5), kinds[math.random(#kinds)],
    texts[math.random(#texts)], n, math.random(1000000000))
  return wrk.format("POST", "/api/v1/feedback", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body) count(status, status == 201) end
