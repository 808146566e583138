-- wrk script: 3TMS password sign-ins with a wrong password, each connection its own user name
-- (so no lockout shortens the work), answers counted by HTTP status class.
-- usage: wrk -t T -c C -d D -s bench/signin.lua URL
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  s400 = 0
  s429 = 0
  s5xx = 0
  other = 0
end

function request()
  n = n + 1
  local body = string.format('{"userName":"victim","password":"guess-%d-%d"}', id, n)
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 400 then s400 = s400 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status >= 500 then
    s5xx = s5xx + 1
    if s5xx <= 3 then io.stderr:write("5xx: " .. status .. " " .. body .. "\n") end
  else other = other + 1 end
end

function done(summary, latency, requests)
  local a, b, c, d = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s400"); b = b + t:get("s429"); c = c + t:get("s5xx"); d = d + t:get("other")
  end
  local e = summary.errors
  io.write(string.format(
    "SIGNIN requests=%d wrong_password=%d refused_busy=%d s5xx=%d other=%d socket_errors=%d p99_ms=%.1f\n",
    summary.requests, a, b, c, d, e.connect + e.read + e.write + e.timeout, latency:percentile(99) / 1000))
end
