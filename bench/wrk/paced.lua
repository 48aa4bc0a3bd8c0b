-- Runs the scenario script BENCH_SCRIPT (token.lua, bearer-get.lua, ...) at a steady BENCH_RATE requests/s over the
-- BENCH_THREADS threads together, rather than as fast as the connections go: each thread hands out send times one
-- 1/rate apart, and a connection that has its answer waits for the next free one (delay()). A thread that falls
-- behind does not catch up in a burst: the requests/s it reaches is what the servers kept up with.
dofile(os.getenv("BENCH_WRK_DIR") .. "/" .. assert(os.getenv("BENCH_SCRIPT"), "BENCH_SCRIPT is not set"))

local rate = tonumber(os.getenv("BENCH_RATE") or "")
if rate and rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } paced_timespec;
    int clock_gettime(int clock, paced_timespec *now);
  ]]
  local now, CLOCK_MONOTONIC = ffi.new("paced_timespec"), 1
  local function milliseconds()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, now)
    return tonumber(now.tv_sec) * 1000 + tonumber(now.tv_nsec) / 1e6
  end
  local interval = 1000 * assert(tonumber(os.getenv("BENCH_THREADS")), "BENCH_THREADS is not set") / rate
  local next_send

  function delay()
    local at = milliseconds()
    next_send = math.max((next_send or at) + interval, at)
    return next_send - at
  end
end
