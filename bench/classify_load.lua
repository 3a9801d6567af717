-- wrk script for bench/classify_load.py: POST /api/classifications/ over 100k subjects, with retries (same
-- key again) and duplicates (same subject, new key) injected on purpose. BENCH_MODE says who posts:
--   token    10k token-holding volunteers (scripts): Authorization: Token ...
--   browser  10k anonymous volunteers as the classify page posts: session cookie, CSRF cookie + header, Origin
--   ceiling  the same body to the bench-only plain-Django single-insert view (bench/ceiling_urls.py)
-- Each thread appends the idempotency key of every 2xx answer to its own file, so the benchmark can check
-- afterwards that every acknowledged classification is in the database exactly once.

local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local tokens, subjects, recent, ack, pending_id
local workdir = os.getenv("BENCH_DIR")
local mode = os.getenv("BENCH_MODE") or "token"
local origin = os.getenv("BENCH_ORIGIN") or ""

local function lines(path)
  local out = {}
  for line in io.lines(path) do out[#out + 1] = line end
  return out
end

local function uuid()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (string.gsub(template, "[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

function init(args)
  math.randomseed(os.time() + id * 7919)
  -- token mode: one token a line; browser mode: "session-key csrf-secret" a line; ceiling: the tokens
  tokens = lines(workdir .. (mode == "browser" and "/sessions.txt" or "/tokens.txt"))
  subjects = lines(workdir .. "/subjects.txt")
  recent = {}
  ack = io.open(workdir .. "/ack-" .. mode .. "-" .. id .. ".txt", "w")
  ack:setvbuf("line")
  retries, duplicates, fresh = 0, 0, 0
end

local function body(subject, key)
  return '{"subject": ' .. subject .. ', "answer": "cluster", "redshift": "low", "idempotency_key": "' .. key ..
    '", "time_spent_ms": 3000}'
end

function request()
  local r = math.random()
  local token, subject, key
  if r < 0.05 and #recent > 0 then
    -- a client retry: exactly the same request again
    local old = recent[math.random(#recent)]
    token, subject, key = old[1], old[2], old[3]
    retries = retries + 1
  elseif r < 0.08 and #recent > 0 then
    -- a double click that made a new key: must be refused as a duplicate (409)
    local old = recent[math.random(#recent)]
    token, subject, key = old[1], old[2], uuid()
    duplicates = duplicates + 1
  else
    token = tokens[math.random(#tokens)]
    subject = subjects[math.random(#subjects)]
    key = uuid()
    fresh = fresh + 1
    if #recent < 2000 then recent[#recent + 1] = {token, subject, key}
    else recent[math.random(#recent)] = {token, subject, key} end
  end
  local headers = {["Content-Type"] = "application/json"}
  local path = "/api/classifications/"
  if mode == "browser" then
    local session, csrf = string.match(token, "(%S+) (%S+)")
    headers["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf
    headers["X-CSRFToken"] = csrf
    headers["Origin"] = origin
  elseif mode == "ceiling" then
    path = "/bench/insert/"
  else
    headers["Authorization"] = "Token " .. token
  end
  return wrk.format("POST", path, headers, body(subject, key))
end

function response(status, headers, text)
  if status == 200 or status == 201 then
    local key = string.match(text, '"idempotency_key":"([0-9a-f%-]+)"')
    if key then ack:write(status, " ", key, "\n") end
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("thread %d: fresh %d, retries %d, duplicates %d\n", thread:get("id"),
      thread:get("fresh"), thread:get("retries"), thread:get("duplicates")))
  end
  io.write(string.format("p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", latency:percentile(50) / 1000,
    latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  local codes = summary.errors
  io.write(string.format("requests %d, non-2xx/3xx %d, socket errors %d/%d/%d/%d\n", summary.requests,
    codes.status, codes.connect, codes.read, codes.write, codes.timeout))
end
