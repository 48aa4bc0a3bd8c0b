-- BoardApi POST /posts with a bearer token that has posts.write (BENCH_TOKEN): each request a new post.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"Soak","content":"A post written under load: the table grows by one row per request."}'
