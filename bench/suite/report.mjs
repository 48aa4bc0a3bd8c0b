// Writes bench/results/latest.md and latency.svg from the JSON lines bench/run.sh collected.
// Usage: node report.mjs RUNS.jsonl RESULTS_DIR SIGNING_KEY key=value...   Exit 2 when any request failed.
import { execSync } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { latencyChart } from './chart.mjs';

const [runsFile, resultsDir, signingKey, ...settingArgs] = process.argv.slice(2);
const settings = Object.fromEntries(settingArgs.map((arg) => arg.split('=')));
const records = readFileSync(runsFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const sh = (command) => { try { return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim(); } catch (e) { return (e.stdout || '').trim() || '?'; } };
const clockTicks = Number(sh('getconf CLK_TCK')) || 100;

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
const totalErrors = series.reduce((sum, s) => sum + s.m.errors, 0);

const f = (v, digits = 2) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
const check = (ok) => (ok ? '✅' : '❌');
const SCENARIOS = [
  ['token-RS256', 'token endpoint, RS256'],
  ['token-PS256', 'token endpoint, PS256'],
  ['token-ES256', 'token endpoint, ES256'],
  ['introspection', 'introspection'],
  ['posts', 'BoardApi GET /posts/{id}'],
  ['posts-dpop', 'BoardApi GET /posts/{id}, DPoP'],
];
// The two servers of a scenario, the first over the second in the ratios; ours / peer where not named.
const PAIRS = { posts: ['check-on', 'check-off'], 'posts-dpop': ['dpop', 'bearer'] };
const ROLES = {
  'identityserver-a': '1, 2, 4 (issues the tokens)', 'identityserver-b': '4 (revokes)', 'boardapi-on': '3 (check on), 3b, 4',
  'boardapi-on-2': '4', 'boardapi-off': '3 (check off)', 'identityserver-PS256': '5', 'identityserver-ES256': '5',
  'oidc-provider-RS256': '1, 2', 'oidc-provider-PS256': '5', 'oidc-provider-ES256': '5', redis: 'all of ours',
};
const SERVER_NAMES = { ours: 'ours', peer: 'oidc-provider', 'check-on': 'ours, check on', 'check-off': 'ours, check off',
  dpop: 'ours, DPoP proof', bearer: 'ours, Bearer' };

const rows = [];
for (const [scenario, title] of SCENARIOS) {
  const skipped = skips.find((s) => s.scenario === scenario);
  if (skipped) {
    rows.push(`| ${title} | — | skipped: ${skipped.reason.replaceAll('|', '\\|')} ||||||||||`);
    continue;
  }
  const [mine, other] = (PAIRS[scenario] ?? ['ours', 'peer']).map((server) => find(scenario, server));
  for (const entry of [mine, other].filter(Boolean)) {
    const isMine = entry === mine && other;
    const ratio = isMine ? f(mine.m.rps / other.m.rps) : '';
    const p99Ratio = isMine ? f(mine.m.p99 / other.m.p99) : '';
    const cpuRatio = isMine ? f(mine.m.serverCpu / other.m.serverCpu) : '';
    const rounds = entry.rounds.length > 1 ? ` (median of ${entry.rounds.length})` : '';
    rows.push(`| ${title} | ${SERVER_NAMES[entry.server]} | ${f(entry.m.rps, 0)}${rounds} | ${f(entry.m.p50)} | ${f(entry.m.p90)} | `
      + `${f(entry.m.p99)} | ${entry.errorText} | ${f(entry.m.serverCpu, 0)} | ${entry.server === 'peer' ? '—' : f(entry.m.storeCpu, 0)} | `
      + `${ratio} | ${p99Ratio} | ${cpuRatio} | ${f(Math.max(0, entry.m.other), 0)} |`);
  }
}

const goals = [];
const goal = (text, ok, value) => goals.push(`- ${ok === undefined ? '⏭️' : check(ok)} ${text}: ${value}`);
const ratioOf = (scenario) => (find(scenario, 'ours') && find(scenario, 'peer') ? find(scenario, 'ours').m.rps / find(scenario, 'peer').m.rps : undefined);
const tokenRatio = ratioOf('token-RS256');
goal('token endpoint (RS256) at least 1.5× the peer\'s requests/s', tokenRatio && tokenRatio >= 1.5, `${f(tokenRatio)}×`);
goal('token endpoint (RS256) p99 under 30 ms', find('token-RS256', 'ours')?.m.p99 < 30, `${f(find('token-RS256', 'ours')?.m.p99)} ms`);
const introspectionRatio = ratioOf('introspection');
goal('introspection at least 1.5× the peer\'s requests/s', introspectionRatio && introspectionRatio >= 1.5, `${f(introspectionRatio)}×`);
const onOff = find('posts', 'check-on') && find('posts', 'check-off') ? find('posts', 'check-on').m.rps / find('posts', 'check-off').m.rps : undefined;
goal('revocation check costs under 10% (on/off requests/s at least 0.90)', onOff >= 0.9, f(onOff, 3));
goal('revocation propagation p99 under 50 ms', propagation ? propagation.propagation_ms.p99 < 50 : undefined,
  propagation ? `${propagation.propagation_ms.p99} ms` : 'not measured');
goal('no failed request in any load run', totalErrors === 0, `${totalErrors} failed`);
const [dpop, bearer] = PAIRS['posts-dpop'].map((server) => find('posts-dpop', server));
if (dpop && bearer) {
  const busy = [...dpop.rounds, ...bearer.rounds].filter((r) => r.other > 5).length;
  goals.push(`- ℹ️ DPoP / Bearer at BoardApi GET /posts/{id}: requests/s ${f(dpop.m.rps / bearer.m.rps)}, CPU/request of BoardApi `
    + `${f(dpop.m.serverCpu / bearer.m.serverCpu)} (${f(dpop.m.serverCpu, 0)} vs ${f(bearer.m.serverCpu, 0)} µs), of PostgreSQL + Redis `
    + `${f(dpop.m.storeCpu / bearer.m.storeCpu)}${busy ? ` (⚠️ busy: ${busy} of its ${dpop.rounds.length + bearer.rounds.length} runs shared the machine with other work)` : ''}`);
}
const disturbed = series.flatMap((x) => x.rounds).filter((r) => r.other > 5).length;
if (disturbed) goals.push(`- ⚠️ ${disturbed} measured run${disturbed > 1 ? 's' : ''} shared the machine with other work (other load above 5%): their figures are low`);

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
const openIddict = /<OpenIddictVersion>([^<]+)</.exec(readFileSync(join(repo, 'Directory.Packages.props'), 'utf8'))?.[1];
const peerVersion = JSON.parse(readFileSync(join(repo, 'bench/oidc-provider/node_modules/oidc-provider/package.json'), 'utf8')).version;
const aspnet = sh('dotnet --list-runtimes').split('\n').filter((l) => l.startsWith('Microsoft.AspNetCore.App')).pop()?.split(' ')[1];
const pgBin = sh('ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1');
const s = settings;
const lines = [
  '# Benchmarks: IdentityServer and BoardApi vs node oidc-provider',
  '',
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`bash bench/run.sh\` in ${s.elapsed} s. `
    + `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${sh('uname -r')}. `
    + `Versions: .NET SDK ${sh('dotnet --version')} (ASP.NET Core ${aspnet}), OpenIddict ${openIddict}, Node.js ${process.version}, `
    + `oidc-provider ${peerVersion}, ${sh(`${pgBin}/postgres --version`).replace('(PostgreSQL) ', '')}, `
    + `Redis ${/v=(\S+)/.exec(sh('redis-server --version'))?.[1]}, ${sh('wrk -v 2>&1 | head -n 1').split(' ').slice(0, 2).join(' ')}.`,
  '',
  `Every run: \`wrk -t2 -c${s.connections}\`, ${s.warmup} s of warm-up, then ${s.seconds} s measured; wrk runs on the same `
    + `${cpus().length} cores as the servers, so every figure is for a shared machine. Both servers sign with the same key file `
    + `(RSA ${key.modulusLength} bits; the EC P-256 key for ES256). Our services run in Production configuration (plain HTTP on `
    + 'loopback, `IdentityServer migrate` / `BoardApi migrate`) on fresh PostgreSQL and Redis, with the per-client rate limits '
    + 'raised so that they never refuse (each request still takes its permit from Redis), and each process\'s PostgreSQL '
    + `pool capped at ${s.pool} connections (Npgsql's default, 100 per process, exhausts PostgreSQL's default 100 in all).`,
  '',
  '1. **Token endpoint**: `POST` client_credentials, `client_secret_basic`, scope `posts.read`; an RS256 JWT access token '
    + '(15 minutes; audience BoardApi\'s resource identifier, its URL, at ours, `board-api` at the peer). Ours: `/connect/token` (no token row for client_credentials tokens; their revocation is by jti in Redis). '
    + 'Peer: `/token`, the same client, a resource server whose `accessTokenFormat` is `jwt`.',
  '2. **Introspection** (RFC 7662) of one access token obtained before the run, by the resource-server client `board-api` '
    + '(`client_secret_basic`). Ours introspects the JWT. oidc-provider refuses to introspect JWTs (`unsupported_token_type`), '
    + 'so the peer introspects an opaque token of the same API, the only kind it introspects.',
  `3. **BoardApi \`GET /posts/{id}\`** with a valid bearer token (a post created through the API first), revocation check on vs `
    + `off (\`Revocation__CheckEnabled=false\`), ${s.rounds} alternating rounds each: medians. No peer.`,
  `   - 3b. **The same with DPoP** (RFC 9449) on the check-on instance: a DPoP-bound token (\`cnf.jkt\`, from client_credentials with `
    + 'a proof and the server\'s nonce) and a new ES256 proof each request (checked, then its jti recorded in Redis), vs a bearer '
    + `token, ${s.rounds} alternating rounds each: medians. The proofs are signed before each run (\`bench/suite/dpop.mjs\`), `
    + 'so neither wrk\'s nor the server\'s CPU includes signing them.',
  '4. **Revocation propagation**: two IdentityServer and two BoardApi processes; each revocation at IdentityServer B of a token '
    + 'issued by A, timed from B\'s answer until both BoardApi processes answer 401 (`bench/RevocationLatency`).',
  '5. **Signing algorithms**: scenario 1 with `Credentials__SigningAlgorithm=PS256` and `=ES256` (the peer with the same '
    + '`jwt.sign.alg`), each on a freshly started server.',
  '',
  'The peer: oidc-provider in one node process (`NODE_ENV=production`, config `bench/oidc-provider/server.mjs`), with its '
    + 'default in-memory adapter (an LRU of 1,000 entries, no database). oidc-provider 9 supports Node.js 22 LTS and later; '
    + `it runs on this Node.js ${process.version} with an "Unsupported runtime" warning.`,
  '',
  '## Results',
  '',
  'CPU/request: user + system time of the server process (and, for ours, of PostgreSQL and Redis) over the measured run, '
    + 'divided by its requests. Ratios: ours / peer (scenario 3: on / off; 3b: DPoP / Bearer). Errors: socket errors (a timeout is a request unanswered after 2 s) + answers of 400 or more. '
    + 'Other load: CPU spent meanwhile by processes outside the benchmark (neither the servers, PostgreSQL, Redis nor wrk), '
    + `in % of all cores; above a few % the run was disturbed (load average before the run: ${s.loadavg}).`,
  '',
  '| scenario | server | requests/s | p50 (ms) | p90 (ms) | p99 (ms) | errors | CPU/request, server (µs) | CPU/request, PostgreSQL + Redis (µs) | requests/s ratio | p99 ratio | CPU/request ratio | other load (%) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
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
  '## Goals (issue 8)',
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
const SHORT = { 'token-RS256': 'token RS256', 'token-PS256': 'token PS256', 'token-ES256': 'token ES256',
  introspection: 'introspection', posts: 'GET /posts/{id}', 'posts-dpop': 'GET /posts/{id}' };
const chartSeries = SCENARIOS.flatMap(([id]) => series.filter((entry) => entry.scenario === id));
writeFileSync(join(resultsDir, 'latency.svg'), latencyChart(chartSeries.map((entry) => ({
  group: entry.scenario,
  label: [SHORT[entry.scenario], SERVER_NAMES[entry.server].replace('ours, ', '')],
  ours: entry.server !== 'peer',
  values: { p50: entry.m.p50, p90: entry.m.p90, p99: entry.m.p99, 'p99.9': entry.m.p999 },
}))));
console.log(lines.slice(lines.indexOf('## Results')).join('\n'));
if (totalErrors > 0) {
  console.error(`${totalErrors} requests failed`);
  process.exit(2);
}
