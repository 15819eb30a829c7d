-- common.lua: what the wrk scripts share (each loads it with dofile from its own folder):
-- realistic Vietnamese texts, the four kinds, a count of replies by status class, and the
-- two summary lines bench/run.sh reads: "status 2xx=… 4xx=… 5xx=… 201=…" (201: replies
-- that stored a row) and "latency p50=… p99=… max=…" in milliseconds.
kinds = {"opinion", "proposal", "report", "question"}
texts = {
  "Đề nghị số hóa toàn bộ hồ sơ thủ tục hành chính ở cấp xã trong năm nay.",
  "Cần hướng dẫn sử dụng dịch vụ công trực tuyến cho người dân vùng cao, bằng tiếng dân tộc.",
  "Sóng di động ở bản còn yếu, nhiều hôm không nộp được hồ sơ qua mạng.",
  "Doanh nghiệp chúng tôi mong được hỗ trợ chi phí chuyển đổi số trong năm đầu.",
  "Khi nào cổng dữ liệu mở của tỉnh được công bố? Xin cho biết lộ trình cụ thể.",
  "Cán bộ một cửa hỗ trợ rất nhiệt tình, tôi hài lòng với kết quả xử lý."}

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

-- Per thread: its own random sequence and counters.
function start_counting()
  math.randomseed(os.time() * 1000 + (id or 0))
  s2, s4, s5, s201 = 0, 0, 0, 0
end

function count(status, stored)
  if stored then s201 = s201 + 1 end
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
