-- Shared by the scenario scripts (dofile): when wrk is done, write one JSON object to the file named by
-- BENCH_JSON, so that bench/run.sh never parses wrk's human-readable report. Latencies in microseconds;
-- errors.status counts answers with a status of 400 or more (wrk's rule), the others are socket errors.
local percentiles = { 50, 75, 90, 99, 99.9 }

function done(summary, latency, requests)
  local e = summary.errors
  local parts = {}
  for _, p in ipairs(percentiles) do
    parts[#parts + 1] = string.format('"p%s":%d', tostring(p), latency:percentile(p))
  end
  local json = string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, table.concat(parts, ","))
  local file = assert(io.open(assert(os.getenv("BENCH_JSON"), "BENCH_JSON is not set"), "w"))
  file:write(json)
  file:close()
end
