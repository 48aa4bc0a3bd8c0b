-- Shared by the scenario scripts (dofile): when wrk is done, write one JSON object to the file named by
-- BENCH_JSON, so that bench/run.sh never parses wrk's human-readable report. Latencies in microseconds;
-- errors.status counts answers with a status of 400 or more (wrk's rule), the others are socket errors.
local percentiles = { 50, 75, 90, 99, 99.9 }

-- With BENCH_HISTOGRAM set, also "histogram": [[upper bound in us, requests], ...], bins 1% wide, from which runs
-- side by side (bench/soak.sh, one wrk per kind of request) get percentiles of all their requests together.
-- latency(i) is the i-th distinct latency and how many requests took it.
local function histogram(latency)
  if not os.getenv("BENCH_HISTOGRAM") then return "" end
  local bins, keys = {}, {}
  for i = 1, #latency do
    local value, count = latency(i)
    local bin = math.ceil(math.log(math.max(value, 1)) / math.log(1.01))
    if not bins[bin] then keys[#keys + 1] = bin end
    bins[bin] = (bins[bin] or 0) + count
  end
  table.sort(keys)
  local parts = {}
  for _, bin in ipairs(keys) do
    parts[#parts + 1] = string.format("[%d,%d]", math.ceil(1.01 ^ bin), bins[bin])
  end
  return ',"histogram":[' .. table.concat(parts, ",") .. "]"
end

function done(summary, latency, requests)
  local e = summary.errors
  local parts = {}
  for _, p in ipairs(percentiles) do
    parts[#parts + 1] = string.format('"p%s":%d', tostring(p), latency:percentile(p))
  end
  local json = string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,%s}%s}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max, table.concat(parts, ","), histogram(latency))
  local file = assert(io.open(assert(os.getenv("BENCH_JSON"), "BENCH_JSON is not set"), "w"))
  file:write(json)
  file:close()
end
