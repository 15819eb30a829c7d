-- get.lua: GET of the path given to wrk, with the same summary lines as intake.lua.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) s2, s4, s5 = 0, 0, 0 end
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1 elseif status >= 200 then s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, t in ipairs(threads) do a = a + t:get("s2"); b = b + t:get("s4"); c = c + t:get("s5") end
  io.write(string.format("status 2xx=%d 4xx=%d 5xx=%d 201=0\n", a, b, c))
  io.write(string.format("latency p50=%.2f p99=%.2f max=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
