-- Token endpoint, refresh_token grant of a public client (BENCH_CLIENT_ID), with rotation: each answer carries the
-- family's next refresh token and the one sent is spent, so a family must never be in two requests at once. The
-- families' current tokens are a pool read from the file BENCH_TOKENS, one a line (thread k of BENCH_THREADS takes
-- lines k, k + BENCH_THREADS, ...): request() takes the oldest out of its thread's pool, response() puts the new one
-- back. When wrk is done the pools are written to BENCH_FINAL_TOKENS (it may be BENCH_TOKENS), the next run's. A
-- family whose request is still unanswered when wrk stops is lost (the server may have rotated it), as is one whose
-- refresh failed; an empty pool sends an unknown token, a 400 counted as a failure.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local threads = assert(tonumber(os.getenv("BENCH_THREADS")), "BENCH_THREADS is not set")
local started, handles = 0, {}

function setup(thread)
  started = started + 1
  assert(started <= threads, "wrk runs more threads than BENCH_THREADS")
  thread:set("id", started)
  handles[started] = thread
end

-- A queue: first and last index of the tokens waiting in it.
pool, first, last = {}, 1, 0
local body = "grant_type=refresh_token&client_id=" .. assert(os.getenv("BENCH_CLIENT_ID"), "BENCH_CLIENT_ID is not set")
  .. "&refresh_token="

function init()
  local line = 0
  for token in io.lines((assert(os.getenv("BENCH_TOKENS"), "BENCH_TOKENS is not set"))) do
    if line % threads == id - 1 then
      last = last + 1
      pool[last] = token
    end
    line = line + 1
  end
end

function request()
  local token = "pool-exhausted"
  if first <= last then
    token = pool[first]
    pool[first] = nil
    first = first + 1
  end
  return wrk.format(nil, nil, nil, body .. token)
end

function response(status, headers, response_body)
  local token = status == 200 and response_body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if token then
    last = last + 1
    pool[last] = token
  end
end

local report = done
function done(summary, latency, requests)
  report(summary, latency, requests)
  local file = assert(io.open(assert(os.getenv("BENCH_FINAL_TOKENS"), "BENCH_FINAL_TOKENS is not set"), "w"))
  for _, thread in ipairs(handles) do
    local tokens, from, to = thread:get("pool"), thread:get("first"), thread:get("last")
    for i = from, to do file:write(tokens[i], "\n") end
  end
  file:close()
end
