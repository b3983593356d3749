-- wrk script for bench/side_by_side.sh: POST the intake of ../shared/bench-floor/post_case.lua
-- (a case with three parties, two with ID numbers, one with a phone) to the floor or the
-- project. TOKEN adds a bearer header, COMMITTEE the id. Unless FIXED_IDS=1, each request
-- carries two new random valid ID numbers (GB 11643): with the same two numbers every time,
-- each registration matches every earlier one (the repeat-dispute signal and its audit rows
-- grow with the table, not with the request). Prints one line (see wrk_report.lua).
local token = os.getenv("TOKEN")
local committee = os.getenv("COMMITTEE") or "1"
local fixed = os.getenv("FIXED_IDS") == "1"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end

local W = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local CHECK = "10X98765432"
local function resident_id()
  local first = string.format("640104%04d%02d%02d%03d", math.random(1950, 2004),
    math.random(1, 12), math.random(1, 28), math.random(0, 999))
  local total = 0
  for i = 1, 17 do total = total + tonumber(first:sub(i, i)) * W[i] end
  local k = total % 11 + 1
  return first .. CHECK:sub(k, k)
end

local function body(id1, id2)
  return '{"committee": ' .. committee .. ', "dispute_type": "neighbourhood", "source": "party_application",'
    .. '"title": "楼上漏水纠纷", "facts": "楼上住户卫生间漏水，损坏楼下吊顶。", "claims": "赔偿维修费用",'
    .. '"amount_involved": "8000.00", "people_involved": 3, "occurred_on": "2026-11-20",'
    .. '"parties": [{"role": "applicant", "kind": "person", "name": "张某", "id_number": "' .. id1 .. '", "phone": "13800000000"},'
    .. '{"role": "respondent", "kind": "person", "name": "李某", "id_number": "' .. id2 .. '"},'
    .. '{"role": "third_party", "kind": "person", "name": "王某"}]}'
end

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(os.time() * 100 + (seed or 0))
end

if fixed then
  wrk.body = body("11010519491231002X", "640104198001011235")
else
  function request()
    return wrk.format(nil, nil, nil, body(resident_id(), resident_id()))
  end
end

-- The report line, the same as the GET phases' (bench/wrk_report.lua, beside this file).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")
