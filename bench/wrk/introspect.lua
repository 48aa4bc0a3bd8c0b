-- RFC 7662 introspection of one access token (BENCH_TOKEN), by a resource server authenticated with
-- client_secret_basic (BENCH_BASIC: base64 of "client_id:secret").
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
wrk.method = "POST"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "token=" .. os.getenv("BENCH_TOKEN") .. "&token_type_hint=access_token"
