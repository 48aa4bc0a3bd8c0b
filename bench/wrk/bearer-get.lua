-- GET of the URL given to wrk with a bearer token (BENCH_TOKEN): BoardApi GET /posts/{id}.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
