-- wrk script: each thread posts its own share of pre-signed bodies (one per line of the file
-- given after --), counts replies other than HTTP 200, replies that carry items (queries) and
-- the rows product syncs report (created + updated, and all processed), and the run prints one
-- BENCH line.
-- usage: wrk -t T -c C -d D -s bench/bodies.lua URL -- BODIES_FILE T [FIRST_LINE [COUNT [PAUSE_MS]]]
-- (a warm-up run starts further down the file so the measured run never replays its bodies;
-- COUNT bounds a run to its own lines, so that each round of bench/run.sh has fresh ones;
-- PAUSE_MS makes each connection wait that long before each request, for a steady rate
-- instead of saturation, as bench/soak.sh runs it)
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local step = tonumber(args[2])
  local first = tonumber(args[3] or "0")
  local last = args[4] and first + tonumber(args[4]) or math.huge
  bodies = {}
  local n = 0
  for line in io.lines(args[1]) do
    if n >= last then break end
    if n >= first and (n - first) % step == id then bodies[#bodies + 1] = line end
    n = n + 1
  end
  local pause = tonumber(args[5] or "")
  if pause then
    function delay() return pause end
  end
  idx = 0
  non200 = 0
  exhausted = 0
  with_items = 0
  written = 0
  processed = 0
end

function request()
  idx = idx + 1
  if idx > #bodies then
    exhausted = exhausted + 1
    idx = 1
  end
  local line = bodies[idx]
  -- "@PATH<TAB>CONTENT-TYPE<TAB>BODY": a call whose path (and query) is its own (Qimen, 3TMS).
  if string.sub(line, 1, 1) == "@" then
    local path, ctype, body = string.match(line, "^@([^\t]*)\t([^\t]*)\t(.*)$")
    return wrk.format("POST", path, { ["Content-Type"] = ctype }, body)
  end
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, line)
end

-- Plain searches only (string.find's fourth argument): a Lua pattern is tried at every position
-- of the answer, and five such searches cost wrk about 90 µs per inv20 answer, more than the
-- gateway's own CPU per request.
local function number_after(body, key)
  local _, e = string.find(body, key, 1, true)
  if not e then return 0 end
  return tonumber(string.match(body, "^%d+", e + 1)) or 0
end

-- Qimen and 3TMS answer refusals with HTTP 200 (Qimen) or say so in the body: count them too.
-- (3TMS refusals carry a numeric "status"; an order's answer carries its status as text.)
local function refused(body)
  if string.byte(body, 1) == 60 then -- "<": only Qimen answers in XML
    return string.find(body, "<flag>failure</flag>", 1, true) ~= nil
  end
  local from = 1
  while true do
    local _, e = string.find(body, '"status":', from, true)
    if not e then return false end
    local c = string.byte(body, e + 1)
    if c and c >= 48 and c <= 57 then return true end
    from = e + 1
  end
end

function response(status, headers, body)
  if status ~= 200 or refused(body) then
    non200 = non200 + 1
    if non200 <= 3 then io.stderr:write("non-200: " .. status .. " " .. body .. "\n") end
    return
  end
  -- A query's answer has items and no row counts: its 4.7 KB are not searched three more times.
  if string.find(body, '"items":[{', 1, true) then
    with_items = with_items + 1
    return
  end
  local c = number_after(body, '"created":')
  local u = number_after(body, '"updated":')
  local n = number_after(body, '"unchanged":')
  written = written + c + u
  processed = processed + c + u + n
end

function done(summary, latency, requests)
  local bad, ex, items, w, p = 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non200")
    ex = ex + t:get("exhausted")
    items = items + t:get("with_items")
    w = w + t:get("written")
    p = p + t:get("processed")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f non200=%d socket_errors=%d bodies_reused=%d with_items=%d written=%d processed=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    bad, e.connect + e.read + e.write + e.timeout, ex, items, w, p))
end
