-- A plain GET of the URL given to wrk (discovery, JWKS); with BENCH_IF_NONE_MATCH, a refresh that has the current ETag.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
wrk.method = "GET"
local etag = os.getenv("BENCH_IF_NONE_MATCH")
if etag and etag ~= "" then
  wrk.headers["If-None-Match"] = etag
end
