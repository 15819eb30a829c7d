-- intake.lua: POST /api/v1/feedback with varied, realistic Vietnamese submissions, and a
-- count of replies by status class, printed as "status 2xx=… 4xx=… 5xx=… 201=…".
local items = {"LC-T1", "LC-T3", "LC-T5", "LC-T20", "LC-T25", "LC-T33", "DB-I01", "DB-I03",
  "DB-I12", "DB-T-I.1", "DB-T-IV.2", "DB-T-V.3.2"}
local kinds = {"opinion", "proposal", "report", "question"}
local texts = {
  "Đề nghị số hóa toàn bộ hồ sơ thủ tục hành chính ở cấp xã trong năm nay.",
  "Cần hướng dẫn sử dụng dịch vụ công trực tuyến cho người dân vùng cao, bằng tiếng dân tộc.",
  "Sóng di động ở bản còn yếu, nhiều hôm không nộp được hồ sơ qua mạng.",
  "Doanh nghiệp chúng tôi mong được hỗ trợ chi phí chuyển đổi số trong năm đầu.",
  "Khi nào cổng dữ liệu mở của tỉnh được công bố? Xin cho biết lộ trình cụ thể.",
  "Cán bộ một cửa hỗ trợ rất nhiệt tình, tôi hài lòng với kết quả xử lý."}
local n = 0
function request()
  n = n + 1
  local body = string.format(
    '{"item_code":"%s","rating":%d,"kind":"%s","body":"%s (%d-%d)"}',
    items[math.random(#items)], math.random(5), kinds[math.random(#kinds)],
    texts[math.random(#texts)], n, math.random(1000000000))
  return wrk.format("POST", "/api/v1/feedback", {["Content-Type"] = "application/json"}, body)
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
-- Each thread its own random sequence: the same text twice from one client within ten
-- minutes is a duplicate, which the service answers 200 with the first receipt.
function init(args)
  math.randomseed(os.time() * 1000 + id)
  s2, s4, s5, s201 = 0, 0, 0, 0
end
function response(status, headers, body)
  if status == 201 then s201 = s201 + 1 end
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1 elseif status >= 200 then s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local a, b, c, d = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s2"); b = b + t:get("s4"); c = c + t:get("s5"); d = d + t:get("s201")
  end
  io.write(string.format("status 2xx=%d 4xx=%d 5xx=%d 201=%d\n", a, b, c, d))
  io.write(string.format("latency p50=%.2f p99=%.2f max=%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
