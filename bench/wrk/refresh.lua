-- Token endpoint, refresh_token grant of a public client (BENCH_CLIENT_ID), rotating: every answer carries a new
-- refresh token and the one sent is spent. Each thread keeps a pool of its families' current refresh tokens: request()
-- takes one out, response() puts the new one back, so a family is never used by two requests at once (a real app
-- refreshes one at a time; two at once would be reuse, and the server would revoke the family). BENCH_TOKENS: the
-- families' refresh tokens, one a line; of the BENCH_THREADS wrk threads, thread k takes lines k, k + BENCH_THREADS...
-- A thread needs more families than connections (run.sh: 4 times). When wrk is done, the current tokens are written
-- to BENCH_FINAL_TOKENS, the next run's BENCH_TOKENS: a family whose request was in flight when wrk stopped is left
-- out (the server rotated it; wrk never read the answer).
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
local report_done = done
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local body_prefix = "grant_type=refresh_token&client_id=" .. assert(os.getenv("BENCH_CLIENT_ID"), "BENCH_CLIENT_ID is not set") .. "&refresh_token="

local threads = assert(tonumber(os.getenv("BENCH_THREADS")), "BENCH_THREADS is not set")
local started, all_threads = 0, {}

function setup(thread)
  started = started + 1
  assert(started <= threads, "wrk runs more threads than BENCH_THREADS: they would share families")
  thread:set("id", started)
  all_threads[started] = thread
end

pool = {}

function init()
  local line = 0
  for token in io.lines((assert(os.getenv("BENCH_TOKENS"), "BENCH_TOKENS is not set"))) do
    if line % threads == id - 1 then pool[#pool + 1] = token end
    line = line + 1
  end
end

function request()
  -- An empty pool (more failures than spare families) sends no token: a 400, counted as a failure.
  local token = table.remove(pool) or ""
  return wrk.format(nil, nil, nil, body_prefix .. token)
end

function response(status, headers, body)
  local token = status == 200 and body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if token then table.insert(pool, 1, token) end
end

function done(summary, latency, requests)
  report_done(summary, latency, requests)
  local file = assert(io.open(assert(os.getenv("BENCH_FINAL_TOKENS"), "BENCH_FINAL_TOKENS is not set"), "w"))
  for _, thread in ipairs(all_threads) do
    for _, token in ipairs(thread:get("pool")) do file:write(token, "\n") end
  end
  file:close()
end
