// bench/soak.sh's helpers. No npm package.
// node soak.mjs sign-in TOKEN_URL CLIENT EMAIL PASSWORD SCOPE COUNT FIELD
//   COUNT password grants of the public first-party CLIENT: FIELD of each answer (access_token,
//   refresh_token), one a line. Each is a session and a token family of its own.
// node soak.mjs full-speed TYPE RUN_DIR PERCENT RAW
//   a full-speed run (TYPE warmup or capacity) in RUN_DIR (wrk-KIND.json, bench/wrk/report.lua with its histogram) as
//   one JSON line appended to RAW, and on stdout "KIND RATE" a line: PERCENT % of each kind's requests/s.
// node soak.mjs slice INDEX STARTED_MS ENDED_MS RUN_DIR RAW KEY=VALUE...
//   one slice of the soak as one JSON line appended to RAW: its wrk runs and what soak.sh's sample() wrote to RUN_DIR,
//   KEY=VALUE (machine and own CPU ticks, load average) as numbers; a summary line on stderr.
// node soak.mjs revocations TOKEN_URL REVOCATION_URL CLIENT SECRET POST_URL SECONDS OUT
//   once a second for SECONDS (or until TERM): a client_credentials token, accepted by BoardApi (GET POST_URL), then
//   revoked (RFC 7009) and refused by BoardApi twice in a row (nginx alternates: both instances) within 2 s. A JSON
//   line appended to OUT each: ok, revocation_ms (the request), propagation_ms (its answer until refused), or error.
import { appendFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [command, ...args] = process.argv.slice(2);
const basic = (client, secret) => `Basic ${Buffer.from(`${client}:${secret}`).toString('base64')}`;
const post = (url, form, headers = {}) => fetch(url, { method: 'POST', body: new URLSearchParams(form), headers,
  signal: AbortSignal.timeout(5000) });
const errorsOf = (wrk) => Object.values(wrk.errors).reduce((a, b) => a + b, 0);

// The wrk runs of RUN_DIR side by side: per kind wrk's figures (without the histogram), and of all requests
// together the sums and the percentiles of the histograms merged (bins 1% wide: percentiles at most 1% high).
function runs(dir) {
  const kinds = {};
  const bins = new Map();
  for (const file of readdirSync(dir).filter((f) => /^wrk-.+\.json$/.test(f)).sort()) {
    const { histogram, ...wrk } = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    for (const [upper, count] of histogram) bins.set(upper, (bins.get(upper) ?? 0) + count);
    kinds[file.slice(4, -5)] = { rps: wrk.requests / (wrk.duration_us / 1e6), errors: errorsOf(wrk), wrk };
  }
  const sorted = [...bins].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, count]) => sum + count, 0);
  const percentile = (p) => {
    let seen = 0;
    for (const [upper, count] of sorted) if ((seen += count) >= (p / 100) * total) return upper;
    return 0;
  };
  const all = Object.values(kinds);
  return { kinds, all: { requests: all.reduce((s, k) => s + k.wrk.requests, 0), rps: all.reduce((s, k) => s + k.rps, 0),
    errors: all.reduce((s, k) => s + k.errors, 0), latency_us: Object.fromEntries([50, 90, 99, 99.9].map((p) => [`p${p}`, percentile(p)])) } };
}

const lines = (file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const pairs = (file) => Object.fromEntries(lines(file).map((line) => line.split(' ')).map(([k, v]) => [k, Number(v)]));

if (command === 'sign-in') {
  const [tokenUrl, client, username, password, scope, count, field] = args;
  // One at a time, which the soak's few families afford (bench/suite/lib.sh mint_refresh_families signs in four at a
  // time for run.sh's hundreds: more than MaxFailedAccessAttempts at once are held back by the lockout's reservations).
  for (let i = 0; i < Number(count); i++) {
    const response = await post(tokenUrl, { grant_type: 'password', client_id: client, username, password, scope });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok || !answer[field]) {
      console.error(`password grant at ${tokenUrl}: ${response.status} ${JSON.stringify(answer).slice(0, 300)}`);
      process.exit(1);
    }
    console.log(answer[field]);
  }
} else if (command === 'full-speed') {
  const [type, dir, percent, raw] = args;
  const run = runs(dir);
  for (const [kind, entry] of Object.entries(run.kinds)) {
    entry.rate = Math.max(1, Math.round((entry.rps * Number(percent)) / 10) / 10);
    console.log(`${kind} ${entry.rate}`);
  }
  appendFileSync(raw, `${JSON.stringify({ type, percent: Number(percent), ...run })}\n`);
} else if (command === 'slice') {
  const [index, started, ended, dir, raw, ...settings] = args;
  const json = (file) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const redisInfo = Object.fromEntries(lines(join(dir, 'redis-info')).filter((l) => l.includes(':'))
    .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));
  const keys = pairs(join(dir, 'redis-keys'));
  const record = {
    type: 'slice', index: Number(index), started_ms: Number(started), ended_ms: Number(ended),
    ...Object.fromEntries(settings.map((s) => s.split('=')).map(([k, v]) => [k, Number(v)])),
    ...runs(dir),
    rss_kb: pairs(join(dir, 'rss')), pss_kb: pairs(join(dir, 'pss')),
    redis: { used_memory: Number(redisInfo.used_memory), used_memory_rss: Number(redisInfo.used_memory_rss),
      keys: Object.values(keys).reduce((a, b) => a + b, 0), key_kinds: keys },
    postgres: { connections: json('pg-connections.json'), identity: json('pg-soak_identity.json'), board: json('pg-soak_board.json') },
  };
  appendFileSync(raw, `${JSON.stringify(record)}\n`);
  const { all } = record;
  console.error(`    slice ${index}: ${all.rps.toFixed(0)} requests/s, p99 ${(all.latency_us.p99 / 1000).toFixed(1)} ms, `
    + `${all.errors} failed; RSS ${Object.entries(record.rss_kb).map(([p, kb]) => `${p} ${(kb / 1024).toFixed(0)}`).join(', ')} MiB; `
    + `Redis ${(record.redis.used_memory / 2 ** 20).toFixed(1)} MiB, ${record.redis.keys} keys`);
} else if (command === 'revocations') {
  const [tokenUrl, revocationUrl, client, secret, postUrl, seconds, out] = args;
  const auth = { Authorization: basic(client, secret) };
  const status = async (token) => (await fetch(postUrl, { headers: { Authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5000) }).then(async (r) => { await r.arrayBuffer(); return r.status; }));
  let stopping = false;
  process.on('SIGTERM', () => { stopping = true; });
  const cycle = async () => {
    const response = await post(tokenUrl, { grant_type: 'client_credentials', scope: 'posts.read' }, auth);
    const token = (await response.json().catch(() => ({}))).access_token;
    if (!token) throw new Error(`no token: ${response.status}`);
    const before = await status(token);
    if (before !== 200) throw new Error(`BoardApi answered ${before} to the token before its revocation`);
    const sent = performance.now();
    const revoked = await post(revocationUrl, { token, token_type_hint: 'access_token' }, auth);
    const body = await revoked.text();
    const answered = performance.now();
    if (revoked.status !== 200) throw new Error(`the revocation answered ${revoked.status} ${body.slice(0, 200)}`);
    for (let refusals = 0; performance.now() - answered < 2000; await sleep(5)) {
      refusals = (await status(token)) === 401 ? refusals + 1 : 0;
      if (refusals === 2) return { revocation_ms: +(answered - sent).toFixed(1), propagation_ms: +(performance.now() - answered).toFixed(1) };
    }
    throw new Error('BoardApi still accepted the token 2 s after its revocation');
  };
  const start = Date.now();
  for (let tick = 0; !stopping && tick < Number(seconds); tick++) {
    await sleep(Math.max(0, start + tick * 1000 - Date.now()));
    if (stopping) break;
    const t = Date.now();
    const result = await cycle().then((r) => ({ ok: true, ...r }), (e) => ({ ok: false, error: String(e.message ?? e) }));
    appendFileSync(out, `${JSON.stringify({ type: 'revocation', t, ...result })}\n`);
  }
} else {
  console.error(`unknown command ${command}`);
  process.exit(2);
}
