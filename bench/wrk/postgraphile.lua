-- postgraphile.lua: the peer's intake, a createFeedback mutation inserting the same row the
-- service would store (same table, triggers, ids from a range of their own), with varied
-- Vietnamese bodies. wrk ... -s postgraphile.lua URL -- FIRST_ITEM_ID ITEMS ID_BASE
-- Counted as common.lua does, "201" being the mutations that stored a row (GraphQL answers
-- 200 with "errors" when it did not).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "common.lua")
local mutation = "mutation($input: CreateFeedbackInput!) { createFeedback(input: $input) { feedback { rowId } } }"

function init(args)
  first_item, items, base = tonumber(args[1]), tonumber(args[2]), tonumber(args[3])
  n = 0
  start_counting()
end
function request()
  n = n + 1
  local key = string.format("%d", base + id * 10000000 + n)
  local body = string.format(
    '{"query":"%s","variables":{"input":{"feedback":{"rowId":"%s","trackingCode":"PG-%s",' ..
    '"itemId":%d,"rating":%d,"kind":"%s","body":"%s (%d)","consentPublish":false,' ..
    '"consentContact":false,"submissionHash":"%s","secretHash":"","logIndex":"%s",' ..
    '"keyId":"postgraphile","createdAt":"%s"}}}}',
    mutation, key, key, first_item + math.random(items) - 1, math.random(5),
    kinds[math.random(#kinds)], texts[math.random(#texts)], n, key, key,
    os.date("!%Y-%m-%dT%H:%M:%SZ"))
  return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  count(status, status == 200 and not body:find('"errors"', 1, true))
end
