-- GET of the URL given to wrk with a DPoP-bound token (BENCH_TOKEN) and a new DPoP proof each request (RFC 9449):
-- BoardApi GET /posts/{id}. A proof is good once, so bench/suite/dpop.mjs signs them before the run into the file
-- BENCH_PROOFS, one a line; of the BENCH_THREADS wrk threads, thread k takes lines k, k + BENCH_THREADS, ... A thread
-- that has used up its lines sends the request without a proof: a 401, counted as a failure, never a proof again.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
wrk.method = "GET"
wrk.headers["Authorization"] = "DPoP " .. os.getenv("BENCH_TOKEN")

local threads = assert(tonumber(os.getenv("BENCH_THREADS")), "BENCH_THREADS is not set")
local started = 0

function setup(thread)
  started = started + 1
  assert(started <= threads, "wrk runs more threads than BENCH_THREADS: they would share proofs")
  thread:set("id", started)
end

local proofs, used = {}, 0

function init()
  local line = 0
  for proof in io.lines((assert(os.getenv("BENCH_PROOFS"), "BENCH_PROOFS is not set"))) do
    if line % threads == id - 1 then proofs[#proofs + 1] = proof end
    line = line + 1
  end
end

function request()
  used = used + 1
  wrk.headers["DPoP"] = proofs[used] -- nil once they are used up: no DPoP header
  proofs[used] = nil
  return wrk.format()
end
