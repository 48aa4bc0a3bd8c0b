// Writes bench/results/latest.md and latency.svg from the JSON lines bench/run.sh collected.
// Usage: node report.mjs RUNS.jsonl RESULTS_DIR SIGNING_KEY key=value...   Exit 2 when any request failed.
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { latencyChart } from './chart.mjs';
import { clockTicks, LOAD_GATE, machineLine, openIddictVersion as openIddict, repo, versionsLine } from './machine.mjs';

const [runsFile, resultsDir, signingKey, ...settingArgs] = process.argv.slice(2);
const settings = Object.fromEntries(settingArgs.map((arg) => arg.split('=')));
const records = readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const errorsOf = (wrk) => Object.values(wrk.errors).reduce((a, b) => a + b, 0);

// One figure set per measured run, then medians over rounds (scenario 3 has several; the others one).
function figures(run) {
  const { wrk } = run;
  return {
    rps: wrk.requests / (wrk.duration_us / 1e6),
    p50: wrk.latency_us.p50 / 1000, p75: wrk.latency_us.p75 / 1000, p90: wrk.latency_us.p90 / 1000,
    p99: wrk.latency_us.p99 / 1000, p999: wrk.latency_us['p99.9'] / 1000,
    errors: errorsOf(wrk),
    errorKinds: wrk.errors,
    serverCpu: (run.server_cpu_ticks * 1e6) / clockTicks / wrk.requests,
    storeCpu: (run.store_cpu_ticks * 1e6) / clockTicks / wrk.requests,
    // Whatever the machine spent outside the server, PostgreSQL, Redis and wrk, as a share of all its cores.
    other: (100 * (run.machine_cpu_ticks - run.server_cpu_ticks - run.store_cpu_ticks - run.wrk_cpu_ticks))
      / ((wrk.duration_us / 1e6) * clockTicks * cpus().length),
  };
}
const loads = records.filter((r) => r.type === 'load');
const series = [];
for (const run of loads) {
  let entry = series.find((s) => s.scenario === run.scenario && s.server === run.server);
  if (!entry) series.push(entry = { scenario: run.scenario, server: run.server, process: run.process, rounds: [] });
  entry.rounds.push(figures(run));
}
for (const entry of series) {
  entry.m = Object.fromEntries(Object.keys(entry.rounds[0]).filter((k) => k !== 'errorKinds').map((k) => [k, k === 'errors'
    ? entry.rounds.reduce((sum, r) => sum + r.errors, 0) : median(entry.rounds.map((r) => r[k]))]));
  // "64 (64 timeout)": which kind of failure, summed over the rounds.
  const kinds = Object.keys(entry.rounds[0].errorKinds).map((k) => [k, entry.rounds.reduce((sum, r) => sum + r.errorKinds[k], 0)]);
  entry.errorText = entry.m.errors ? `${entry.m.errors} (${kinds.filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ')})` : '0';
}
const find = (scenario, server) => series.find((s) => s.scenario === scenario && s.server === server);
const skips = records.filter((r) => r.type === 'skip');
const propagation = records.find((r) => r.type === 'propagation')?.result;
const memory = records.filter((r) => r.type === 'memory');
// Scenario 2b: whether every family survived the load (each refreshes once more with the token wrk last got for it),
// and, ours, whether PostgreSQL holds exactly one live refresh token per family.
const rotations = records.filter((r) => r.type === 'rotation');
const rotationStore = records.find((r) => r.type === 'rotation-store');
const familiesWithoutOneLiveToken = rotationStore?.families_without_one_live_token;
// Lost: a family wrk held that no longer refreshes, a failed warm-up refresh (the measured run's count as errors), and
// a family PostgreSQL holds with no or several live tokens, or does not hold at all. Families wrk stops holding
// without an error (in flight when it stopped, or resent on a new connection) are the client's loss, not the server's:
// PostgreSQL answers for those.
const lostRotations = rotations.reduce((sum, r) => sum + (r.held - r.refreshed) + errorsOf(r.warmup), 0)
  + (rotationStore ? familiesWithoutOneLiveToken + Math.abs(rotationStore.families - (rotations[0]?.families ?? 0)) : 0);
const totalErrors = series.reduce((sum, s) => sum + s.m.errors, 0);

const f = (v, digits = 2) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
const check = (ok) => (ok ? '✅' : '❌');
const SCENARIOS = [
  ['token-RS256', 'token endpoint, RS256'],
  ['token-PS256', 'token endpoint, PS256'],
  ['token-ES256', 'token endpoint, ES256'],
  ['introspection', 'introspection'],
  ['refresh', 'refresh_token grant, rotating'],
  ['posts', 'BoardApi GET /posts/{id}'],
  ['posts-dpop', 'BoardApi GET /posts/{id}, DPoP'],
  ['discovery', 'GET /.well-known/openid-configuration'],
  ['jwks', 'GET the JWKS (discovery\'s jwks_uri)'],
  ['jwks-refresh', 'JWKS refresh, If-None-Match: the ETag'],
];
// Scenarios with peers (1, 2, 5): ours against the framework floor (bare OpenIddict) and against oidc-provider.
const PEER_SCENARIOS = new Set(['token-RS256', 'token-PS256', 'token-ES256', 'introspection', 'refresh']);
// Scenarios without (3, 3b): two runs of ours, the first over the second in the ratios; 3 also has a floor of its own,
// the bare JwtBearer API (bench/BareBoardApi), the first over it in two more ratios.
const PAIRS = { posts: ['check-on', 'check-off'], 'posts-dpop': ['dpop', 'bearer'] };
const FLOORS = { posts: 'bare-api' };
// Scenario 6: ours, the bare OpenIddict server and oidc-provider, with the caching headers each answered.
const WELL_KNOWN = new Set(['discovery', 'jwks', 'jwks-refresh']);
const ROLES = {
  'identityserver-a': '1, 2, 2b, 4, 6 (issues the tokens)', 'identityserver-b': '4 (revokes)', 'boardapi-on': '3 (check on), 3b, 4',
  'boardapi-on-2': '4', 'boardapi-off': '3 (check off)', 'boardapi-bare': '3 (the bare JwtBearer API)', 'identityserver-PS256': '5', 'identityserver-ES256': '5',
  'oidc-provider-RS256': '1, 2, 2b, 6', 'oidc-provider-PS256': '5', 'oidc-provider-ES256': '5', redis: 'all of ours',
  'bare-openiddict-RS256': '1, 2, 6', 'bare-openiddict-PS256': '5', 'bare-openiddict-ES256': '5',
};
const SERVER_NAMES = { ours: 'ours', bare: 'bare OpenIddict', 'bare-api': 'bare JwtBearer API', peer: 'oidc-provider', 'check-on': 'ours, check on',
  'check-off': 'ours, check off', dpop: 'ours, DPoP proof', bearer: 'ours, Bearer' };

// The load gate (machine.mjs): a disturbed run's figures, and the ratios between servers measured minutes apart, are
// not comparable.
const { loadavgPerCore: LOADAVG_LIMIT_PER_CORE, otherPercent: OTHER_LOAD_LIMIT } = LOAD_GATE;
const loadavgLimit = LOADAVG_LIMIT_PER_CORE * cpus().length;
const loadavg = Number(settings.loadavg);
const busy = (entry) => entry.rounds.some((r) => r.other > OTHER_LOAD_LIMIT);
const busySeries = series.filter(busy);
const unclean = [
  ...(loadavg > loadavgLimit ? [`load average ${settings.loadavg} before the start (limit ${f(loadavgLimit, 1)}: `
    + `${LOADAVG_LIMIT_PER_CORE} per core)`] : []),
  ...(busySeries.length ? [`other load above ${OTHER_LOAD_LIMIT}% of the cores during ${busySeries.length} of `
    + `${series.length} measured series (${busySeries.map((e) => `${e.scenario} ${SERVER_NAMES[e.server]} `
    + `${f(Math.max(...e.rounds.map((r) => r.other)), 0)}%`).join(', ')})`] : []),
];
const mark = (entry) => (busy(entry) ? ' ⚠️ not clean' : '');
const skipRow = (title, skipped, columns) => `| ${title} | — | skipped: ${skipped.reason.replaceAll('|', '\\|')} ${'|'.repeat(columns - 2)}`;

// Scenarios 1, 2, 5: CPU per request and its ratios first (requests/s and latency depend on what else shares the two
// cores; CPU per request much less), then throughput and latency.
const peerRows = [];
for (const [scenario, title] of SCENARIOS.filter(([id]) => PEER_SCENARIOS.has(id))) {
  const skipped = skips.find((s) => s.scenario === scenario);
  if (skipped) {
    peerRows.push(skipRow(title, skipped, 13));
    continue;
  }
  const [mine, bare, peer] = ['ours', 'bare', 'peer'].map((server) => find(scenario, server));
  // ours / other: the server processes alone, then with ours' PostgreSQL + Redis added (the peers have none).
  const over = (other) => (mine && other
    ? `${f(mine.m.serverCpu / other.m.serverCpu)} (${f((mine.m.serverCpu + mine.m.storeCpu) / other.m.serverCpu)})` : '—');
  for (const entry of [mine, bare, peer].filter(Boolean)) {
    const isMine = entry === mine;
    peerRows.push(`| ${title} | ${SERVER_NAMES[entry.server]} | **${f(entry.m.serverCpu, 0)}** | ${isMine ? f(entry.m.storeCpu, 0) : '—'} | `
      + `${isMine ? `**${over(bare)}**` : ''} | ${isMine ? `**${over(peer)}**` : ''} | ${f(entry.m.rps, 0)} | `
      + `${isMine && bare ? f(mine.m.rps / bare.m.rps) : ''} | ${isMine && peer ? f(mine.m.rps / peer.m.rps) : ''} | `
      + `${f(entry.m.p99)} | ${f(entry.m.p50)} | ${entry.errorText} | ${f(Math.max(0, entry.m.other), 0)}${mark(entry)} |`);
  }
}

const rows = [];
for (const [scenario, title] of SCENARIOS.filter(([id]) => PAIRS[id])) {
  const skipped = skips.find((s) => s.scenario === scenario);
  if (skipped) {
    rows.push(skipRow(title, skipped, 15));
    continue;
  }
  const [mine, other] = PAIRS[scenario].map((server) => find(scenario, server));
  const floorEntry = FLOORS[scenario] && find(scenario, FLOORS[scenario]);
  for (const entry of [mine, other, floorEntry].filter(Boolean)) {
    const isMine = entry === mine && other;
    const ratio = isMine ? f(mine.m.rps / other.m.rps) : '';
    const p99Ratio = isMine ? f(mine.m.p99 / other.m.p99) : '';
    const cpuRatio = isMine ? f(mine.m.serverCpu / other.m.serverCpu) : '';
    const overFloor = entry === mine && floorEntry;
    const rounds = entry.rounds.length > 1 ? ` (median of ${entry.rounds.length})` : '';
    rows.push(`| ${title} | ${SERVER_NAMES[entry.server]} | ${f(entry.m.rps, 0)}${rounds} | ${f(entry.m.p50)} | ${f(entry.m.p90)} | `
      + `${f(entry.m.p99)} | ${entry.errorText} | ${f(entry.m.serverCpu, 0)} | ${f(entry.m.storeCpu, 0)} | `
      + `${ratio} | ${p99Ratio} | ${cpuRatio} | ${overFloor ? f(mine.m.rps / floorEntry.m.rps) : ''} | `
      + `${overFloor ? `**${f(mine.m.serverCpu / floorEntry.m.serverCpu)}**` : ''} | ${f(Math.max(0, entry.m.other), 0)}${mark(entry)} |`);
  }
}

// Scenario 6: the figures, then the headers of one answer recorded before the run (what a resource server's cache sees).
const headersOf = (scenario, server) => records.find((r) => r.type === 'headers' && r.scenario === scenario && r.server === server);
const code = (value) => (value ? `\`${value.replaceAll('|', '\\|')}\`` : 'none');
const wellKnownRows = [];
for (const [scenario, title] of SCENARIOS.filter(([id]) => WELL_KNOWN.has(id))) {
  const skipped = skips.find((s) => s.scenario === scenario);
  if (skipped) {
    wellKnownRows.push(skipRow(title, skipped, 13));
    continue;
  }
  const [mine, bare, peer] = ['ours', 'bare', 'peer'].map((server) => find(scenario, server));
  for (const entry of [mine, bare, peer].filter(Boolean)) {
    const isMine = entry === mine;
    const headers = headersOf(scenario, entry.server);
    wellKnownRows.push(`| ${title} | ${SERVER_NAMES[entry.server]} | ${f(entry.m.rps, 0)} | **${f(entry.m.serverCpu, 0)}** | `
      + `${isMine && bare ? f(mine.m.serverCpu / bare.m.serverCpu) : ''} | ${isMine && peer ? f(mine.m.serverCpu / peer.m.serverCpu) : ''} | `
      + `${f(entry.m.p99)} | ${entry.errorText} | ${headers?.status ?? '—'} | ${code(headers?.etag)} | ${code(headers?.last_modified)} | `
      + `${code(headers?.cache_control)} | ${f(Math.max(0, entry.m.other), 0)}${mark(entry)} |`);
  }
}

const SHORT = { 'token-RS256': 'token RS256', 'token-PS256': 'token PS256', 'token-ES256': 'token ES256',
  introspection: 'introspection', refresh: 'refresh', posts: 'GET /posts/{id}', 'posts-dpop': 'GET /posts/{id}', discovery: 'discovery',
  jwks: 'JWKS', 'jwks-refresh': 'JWKS refresh' };
const goals = [];
const goal = (text, ok, value) => goals.push(`- ${ok === undefined ? '⏭️' : check(ok)} ${text}: ${value}`);
const ratioOf = (scenario) => (find(scenario, 'ours') && find(scenario, 'peer') ? find(scenario, 'ours').m.rps / find(scenario, 'peer').m.rps : undefined);
const cpuOverBare = (scenario) => (find(scenario, 'ours') && find(scenario, 'bare') ? find(scenario, 'ours').m.serverCpu / find(scenario, 'bare').m.serverCpu : undefined);
// The goals of issue 22: CPU per request against the framework floor, requests/s against oidc-provider.
for (const alg of ['RS256', 'PS256', 'ES256']) {
  const ratio = cpuOverBare(`token-${alg}`);
  goal(`token endpoint (${alg}) CPU/request at most 1.15× bare OpenIddict's`, ratio === undefined ? undefined : ratio <= 1.15, `${f(ratio)}×`);
}
const tokenRatio = ratioOf('token-RS256');
goal('token endpoint (RS256) at least 1.5× the peer\'s requests/s', tokenRatio && tokenRatio >= 1.5, `${f(tokenRatio)}×`);
goal('token endpoint (RS256) p99 under 30 ms', find('token-RS256', 'ours')?.m.p99 < 30, `${f(find('token-RS256', 'ours')?.m.p99)} ms`);
const introspectionCpu = cpuOverBare('introspection');
goal('introspection CPU/request at most 1.5× bare OpenIddict\'s', introspectionCpu === undefined ? undefined : introspectionCpu <= 1.5, `${f(introspectionCpu)}×`);
const introspectionRatio = ratioOf('introspection');
goal('introspection at least 2× the peer\'s requests/s', introspectionRatio && introspectionRatio >= 2, `${f(introspectionRatio)}×`);
const refreshRatio = ratioOf('refresh');
goal('refresh grant at least the peer\'s requests/s', refreshRatio === undefined ? undefined : refreshRatio >= 1, `${f(refreshRatio)}×`);
goal('refresh grant: no rotation lost under load (every family wrk held refreshes once more; ours: one live refresh token per family in PostgreSQL)',
  rotations.length ? lostRotations === 0 : undefined, rotations.length
    ? `${rotations.map((r) => `${SERVER_NAMES[r.server]} ${r.refreshed} of ${r.held} held (${r.families} minted)`).join(', ')}; `
      + `${familiesWithoutOneLiveToken ?? '?'} of the ${rotationStore?.families ?? '?'} families of ours in PostgreSQL without exactly one live token; `
      + `warm-up failures ${rotations.map((r) => errorsOf(r.warmup)).join(', ')}` : 'not measured');
const onOff = find('posts', 'check-on') && find('posts', 'check-off') ? find('posts', 'check-on').m.rps / find('posts', 'check-off').m.rps : undefined;
goal('revocation propagation p99 under 50 ms', propagation ? propagation.propagation_ms.p99 < 50 : undefined,
  propagation ? `${propagation.propagation_ms.p99} ms` : 'not measured');
goal('no failed request in any load run', totalErrors === 0, `${totalErrors} failed`);
const [dpop, bearer] = PAIRS['posts-dpop'].map((server) => find('posts-dpop', server));
if (dpop && bearer) {
  const busyRuns = [...dpop.rounds, ...bearer.rounds].filter((r) => r.other > OTHER_LOAD_LIMIT).length;
  goals.push(`- ℹ️ DPoP / Bearer at BoardApi GET /posts/{id}: requests/s ${f(dpop.m.rps / bearer.m.rps)}, CPU/request of BoardApi `
    + `${f(dpop.m.serverCpu / bearer.m.serverCpu)} (${f(dpop.m.serverCpu, 0)} vs ${f(bearer.m.serverCpu, 0)} µs), of PostgreSQL + Redis `
    + `${f(dpop.m.storeCpu / bearer.m.storeCpu)}${busyRuns ? ` (⚠️ busy: ${busyRuns} of its ${dpop.rounds.length + bearer.rounds.length} runs shared the machine with other work)` : ''}`);
}
const disturbed = series.flatMap((x) => x.rounds).filter((r) => r.other > OTHER_LOAD_LIMIT).length;
if (disturbed) goals.push(`- ⚠️ ${disturbed} measured run${disturbed > 1 ? 's' : ''} shared the machine with other work (other load above ${OTHER_LOAD_LIMIT}%): their figures are low`);
// What RedisJwt adds on top of the framework it is built on (issue 22), scenario by scenario.
const floor = SCENARIOS.filter(([id]) => find(id, 'ours') && find(id, 'bare')).map(([id]) => {
  const [mine, bare] = [find(id, 'ours'), find(id, 'bare')];
  return `${SHORT[id]} ${f(mine.m.serverCpu, 0)} vs ${f(bare.m.serverCpu, 0)} µs (${f(mine.m.serverCpu / bare.m.serverCpu)}×, `
    + `${mine.m.serverCpu >= bare.m.serverCpu ? '+' : ''}${f(mine.m.serverCpu - bare.m.serverCpu, 0)} µs)`;
});

// Ours against the resource-server floor, and the well-known documents fast and cacheable.
const [checkOn, checkOff, bareApi] = ['check-on', 'check-off', 'bare-api'].map((server) => find('posts', server));
const overBareApi = checkOn && bareApi ? checkOn.m.serverCpu / bareApi.m.serverCpu : undefined;
goal('BoardApi (check on) CPU/request at most 1.2× the bare JwtBearer API\'s', overBareApi === undefined ? undefined : overBareApi <= 1.2,
  overBareApi === undefined ? 'not measured' : `${f(overBareApi)}× (${f(checkOn.m.serverCpu, 0)} vs ${f(bareApi.m.serverCpu, 0)} µs; `
    + `requests/s ${f(checkOn.m.rps / bareApi.m.rps)}×)`);
const onOffCpu = checkOn && checkOff ? checkOn.m.serverCpu / checkOff.m.serverCpu : undefined;
goal('revocation check on / off: CPU/request at most 1.05×', onOffCpu === undefined ? undefined : onOffCpu <= 1.05,
  onOffCpu === undefined ? 'not measured' : `${f(onOffCpu, 3)}×`);
goal('revocation check on / off: requests/s at least 0.95×', onOff === undefined ? undefined : onOff >= 0.95,
  onOff === undefined ? 'not measured' : `${f(onOff, 3)}×`);
for (const scenario of ['discovery', 'jwks']) {
  const [entry, headers] = [find(scenario, 'ours'), headersOf(scenario, 'ours')];
  goal(`${SHORT[scenario]} at least 20,000 requests/s, with a validator (ETag)`, entry ? entry.m.rps >= 20000 && Boolean(headers?.etag) : undefined,
    entry ? `${f(entry.m.rps, 0)} requests/s, ETag ${headers?.etag ? 'sent' : 'none'}` : 'not measured');
}
const refresh = find('jwks-refresh', 'ours');
const refreshStatus = headersOf('jwks-refresh', 'ours')?.status;
goal('a resource server\'s JWKS refresh with the ETag costs a 304', refresh ? refreshStatus === 304 : undefined,
  refresh ? `${refreshStatus}, ${f(refresh.m.rps, 0)} requests/s, ${f(refresh.m.serverCpu, 0)} µs CPU/request` : 'not measured');
if (floor.length) goals.push(`- ℹ️ CPU/request, ours / bare OpenIddict (the framework floor): ${floor.join('; ')}`);

const privateKey = createPrivateKey(readFileSync(signingKey));
const key = privateKey.asymmetricKeyDetails;

// The RS256 floor of this machine: what one RSA signature costs here (OpenSSL, through Node), and so how many tokens
// the cores could sign per second if they did nothing else. Machines of the same kind differ by 2x from day to day.
const signatureMicroseconds = (() => {
  const data = Buffer.alloc(300, 1);
  for (let i = 0; i < 50; i++) sign('sha256', data, privateKey);
  const count = 500;
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) sign('sha256', data, privateKey);
  return Number(process.hrtime.bigint() - start) / 1000 / count;
})();
const signingCeiling = (cpus().length * 1e6) / signatureMicroseconds;
const peerTokens = find('token-RS256', 'peer')?.m.rps;
if (peerTokens) {
  goals.push(`- ℹ️ one RS256 signature costs ${f(signatureMicroseconds, 0)} µs here, so ${cpus().length} cores doing nothing but sign `
    + `reach ${f(signingCeiling, 0)} tokens/s; 1.5× the peer is ${f(1.5 * peerTokens, 0)} tokens/s `
    + `(${f((100 * 1.5 * peerTokens) / signingCeiling, 0)}% of that ceiling, before HTTP, wrk and everything else)`);
}
const peerVersion = JSON.parse(readFileSync(join(repo, 'bench/oidc-provider/node_modules/oidc-provider/package.json'), 'utf8')).version;
const s = settings;
const lines = [
  '# Benchmarks: IdentityServer and BoardApi vs a bare OpenIddict server and node oidc-provider',
  '',
  ...(unclean.length ? [`> **⚠️ NOT A CLEAN RUN: ${unclean.join('; ')}.** Its figures and ratios are not comparable with a `
    + 'clean run\'s; rows marked "⚠️ not clean" are the disturbed ones. Run again on an idle machine.', ''] : []),
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`bash bench/run.sh\` in ${s.elapsed} s. `
    + `${machineLine()} ${versionsLine([`oidc-provider ${peerVersion}`])}`,
  '',
  `Every run: \`wrk -t2 -c${s.connections}\`, ${s.warmup} s of warm-up, then ${s.seconds} s measured; wrk runs on the same `
    + `${cpus().length} cores as the servers, so every figure is for a shared machine. All three servers sign with the same key file `
    + `(RSA ${key.modulusLength} bits; the EC P-256 key for ES256). Our services run in Production configuration (plain HTTP on `
    + 'loopback, `IdentityServer migrate` / `BoardApi migrate`) on fresh PostgreSQL and Redis, with the per-client rate limits '
    + 'raised so that they never refuse (each request still takes its permit from Redis), and each process\'s PostgreSQL '
    + `pool capped at ${s.pool} connections (Npgsql's default, 100 per process, exhausts PostgreSQL's default 100 in all).`,
  '',
  '1. **Token endpoint**: `POST` client_credentials, `client_secret_basic`, scope `posts.read`; an RS256 JWT access token '
    + '(15 minutes; audience BoardApi\'s resource identifier, its URL, at ours, `board-api` at the peer). Ours: `/connect/token` (no token row for client_credentials tokens; their revocation is by jti in Redis). '
    + 'Bare OpenIddict: `/connect/token`, the same client and audience. oidc-provider: `/token`, the same client, a resource server whose `accessTokenFormat` is `jwt`.',
  '2. **Introspection** (RFC 7662) of one access token obtained before the run, by the resource-server client `board-api` '
    + '(`client_secret_basic`). Ours and the bare OpenIddict server introspect their JWT. oidc-provider refuses to introspect JWTs (`unsupported_token_type`), '
    + 'so the peer introspects an opaque token of the same API, the only kind it introspects.',
  `3. **BoardApi \`GET /posts/{id}\`** with a valid bearer token (a post created through the API first), revocation check on vs `
    + `off (\`Revocation__CheckEnabled=false\`) vs the resource server's floor, a bare JwtBearer API (below), ${s.rounds} `
    + 'alternating rounds each: medians. No peer.',
  `   - 3b. **The same with DPoP** (RFC 9449) on the check-on instance: a DPoP-bound token (\`cnf.jkt\`, from client_credentials with `
    + 'a proof and the server\'s nonce) and a new ES256 proof each request (checked, then its jti recorded in Redis), vs a bearer '
    + `token, ${s.rounds} alternating rounds each: medians. The proofs are signed before each run (\`bench/suite/dpop.mjs\`), `
    + 'so neither wrk\'s nor the server\'s CPU includes signing them.',
  '4. **Revocation propagation**: two IdentityServer and two BoardApi processes; each revocation at IdentityServer B of a token '
    + 'issued by A, timed from B\'s answer until both BoardApi processes answer 401 (`bench/RevocationLatency`).',
  '5. **Signing algorithms**: scenario 1 with `Credentials__SigningAlgorithm=PS256` and `=ES256` (the bare OpenIddict server '
    + 'with the same algorithm, oidc-provider with the same `jwt.sign.alg`), each on a freshly started server.',
  '6. **Discovery and JWKS** (run after scenario 2, while the peers are up): `GET /.well-known/openid-configuration` and `GET` of '
    + 'the `jwks_uri` it names (ours and the bare OpenIddict server: `/.well-known/jwks`; oidc-provider: `/jwks`), then ours '
    + 'again with `If-None-Match` and the ETag its JWKS carried: a resource server\'s refresh. The headers of one answer each, '
    + 'recorded with curl before the runs, are in the table.',
  '',
  'The framework floor: a bare OpenIddict ' + openIddict + ' server (`bench/BareOpenIddict`, a benchmark peer, never a product) '
    + 'in degraded mode: no database, no Redis, no rate limits, no DPoP; the one client\'s secret compared in memory (constant '
    + 'time, no hashing), the same key files, scopes, audience and token lifetime as ours, plain JWS access tokens. What ours '
    + 'spends per request beyond it is what RedisJwt adds on top of OpenIddict.',
  '',
  'The resource server\'s floor: a bare ASP.NET Core minimal API (`bench/BareBoardApi`, a benchmark peer, never a product) '
    + 'with `Microsoft.AspNetCore.Authentication.JwtBearer` (discovery and JWKS from our issuer; issuer, audience, lifetime, '
    + 'signature, `typ` at+jwt and the algorithms checked as BoardApi checks them) and one endpoint, `GET /posts/{id}` with '
    + 'scope `posts.read`, reading the same row of the same database with plain Npgsql and answering the same JSON. No '
    + 'revocation check, DPoP, rate limits, CORS or problem details. What BoardApi spends per request beyond it is what '
    + 'RedisJwt and BoardApi\'s EF Core data layer add.',
  '',
  'The other peer: oidc-provider in one node process (`NODE_ENV=production`, config `bench/oidc-provider/server.mjs`), with its '
    + 'storage in plain in-memory maps (`map-adapter.mjs`: its own default adapter, an LRU of 1,000 entries, evicts grants under '
    + 'the refresh scenario), no database. oidc-provider 9 supports Node.js 22 LTS and later; '
    + `it runs on this Node.js ${process.version} with an "Unsupported runtime" warning.`,
  '',
  '## Results',
  '',
  'CPU/request: user + system time of the server process (and, for ours, of PostgreSQL and Redis) over the measured run, '
    + 'divided by its requests. Errors: socket errors (a timeout is a request unanswered after 2 s) + answers of 400 or more. '
    + 'Other load: CPU spent meanwhile by processes outside the benchmark (neither the measured server, PostgreSQL, Redis nor wrk), '
    + `in % of all cores. Load gate: a run is not clean above ${OTHER_LOAD_LIMIT}% other load during it, or a 1-minute load `
    + `average above ${f(loadavgLimit, 1)} (${LOADAVG_LIMIT_PER_CORE} per core) before the start (this run: ${s.loadavg}).`,
  '',
  '### Against the framework floor and oidc-provider (scenarios 1, 2, 5)',
  '',
  'The primary figures: CPU per request, and ours over each peer\'s (in brackets: with ours\' PostgreSQL + Redis added; '
    + 'the peers have neither). Requests/s and latency beside them: on two cores shared with wrk they move with everything else.',
  '',
  '| scenario | server | CPU/request, server (µs) | CPU/request, PostgreSQL + Redis (µs) | CPU ratio ours / bare OpenIddict | CPU ratio ours / oidc-provider | requests/s | requests/s ratio ours / bare | requests/s ratio ours / oidc-provider | p99 (ms) | p50 (ms) | errors | other load (%) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...peerRows,
  '',
  '### BoardApi (scenarios 3, 3b)',
  '',
  'Ratios: check on / off (3), DPoP / Bearer (3b); then check on / the bare JwtBearer API (3).',
  '',
  '| scenario | server | requests/s | p50 (ms) | p90 (ms) | p99 (ms) | errors | CPU/request, server (µs) | CPU/request, PostgreSQL + Redis (µs) | requests/s ratio | p99 ratio | CPU/request ratio | requests/s ratio ours / bare API | CPU/request ratio ours / bare API | other load (%) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  '### Discovery and JWKS (scenario 6)',
  '',
  'Errors count answers of 400 or more: the refresh\'s 304s are not errors. Status and headers: one answer, recorded before '
    + 'the runs; ETag and Last-Modified are the validators a cache revalidates with.',
  '',
  '| request | server | requests/s | CPU/request, server (µs) | CPU ratio ours / bare OpenIddict | CPU ratio ours / oidc-provider | p99 (ms) | errors | status | ETag | Last-Modified | Cache-Control | other load (%) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...wellKnownRows,
  '',
  '![Latency percentiles per scenario and server](latency.svg)',
  '',
  '## Revocation propagation',
  '',
  ...(propagation ? [
    `${propagation.revocations} revocations, ${propagation.boards} BoardApi processes.`,
    '',
    '| | p50 (ms) | p99 (ms) | max (ms) |',
    '|---|---|---|---|',
    `| revocation answered → rejected by both | ${propagation.propagation_ms.p50} | ${propagation.propagation_ms.p99} | ${propagation.propagation_ms.max} |`,
    `| the revocation request itself | ${propagation.revocation_endpoint_ms.p50} | ${propagation.revocation_endpoint_ms.p99} | ${propagation.revocation_endpoint_ms.max} |`,
  ] : ['Not measured.']),
  '',
  '## Goals (issue 22)',
  '',
  ...goals,
  '',
  '## Memory',
  '',
  'Peak resident set size (VmHWM) of each process at the end of its runs.',
  '',
  '| process | served | peak RSS (MiB) |',
  '|---|---|---|',
  ...memory.map((m) => `| ${m.process} | ${ROLES[m.process] ?? ''} | ${f(m.vm_hwm_kb / 1024, 0)} |`),
  '',
  'Raw figures of this run: [raw/latest.jsonl](raw/latest.jsonl) (wrk latencies in µs, CPU in clock ticks of 1/'
    + `${clockTicks} s).`,
];
writeFileSync(join(resultsDir, 'latest.md'), `${lines.join('\n')}\n`);
const chartSeries = SCENARIOS.flatMap(([id]) => series.filter((entry) => entry.scenario === id));
writeFileSync(join(resultsDir, 'latency.svg'), latencyChart(chartSeries.map((entry) => ({
  group: entry.scenario,
  label: [SHORT[entry.scenario], SERVER_NAMES[entry.server].replace('ours, ', '')],
  kind: entry.server.startsWith('bare') ? 'bare' : entry.server === 'peer' ? 'peer' : 'ours',
  values: { p50: entry.m.p50, p90: entry.m.p90, p99: entry.m.p99, 'p99.9': entry.m.p999 },
}))));
console.log(lines.slice(lines.indexOf('## Results')).join('\n'));
if (unclean.length) console.error(`NOT A CLEAN RUN: ${unclean.join('; ')}`);
if (totalErrors > 0 || lostRotations > 0) {
  console.error(`${totalErrors} requests failed, ${lostRotations} refresh rotations lost`);
  process.exit(2);
}
