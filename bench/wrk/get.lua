-- get.lua: GET of the path given to wrk, counted as common.lua does.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")
function init(args) start_counting() end
function response(status, headers, body) count(status, false) end
