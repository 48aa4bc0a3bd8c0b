// Writes bench/results/soak.md and soak.svg from the JSON lines bench/soak.sh collected (bench/suite/soak.mjs wrote
// them: warmup, capacity, one slice a minute, one revocation a second).
// Usage: node soak-report.mjs RAW.jsonl RESULTS_DIR key=value...   Exit 2 when any request or revocation failed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { timelineChart } from './chart.mjs';
import { clockTicks, cores, LOAD_GATE, machineLine, sh, versionsLine } from './machine.mjs';

const [rawFile, resultsDir, ...settingArgs] = process.argv.slice(2);
const s = Object.fromEntries(settingArgs.map((arg) => arg.split('=')));
const records = readFileSync(rawFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
const warmup = records.find((r) => r.type === 'warmup');
const capacity = records.find((r) => r.type === 'capacity');
const slices = records.filter((r) => r.type === 'slice').sort((a, b) => a.index - b.index);
const revocations = records.filter((r) => r.type === 'revocation');

const KINDS = {
  token: 'token endpoint, client_credentials (confidential client, `client_secret_basic`)',
  refresh: 'token endpoint, refresh_token with rotation (the public first-party client, one family a request at a time)',
  introspection: 'introspection of the user\'s access token by the resource server `board-api`',
  read: 'BoardApi `GET /posts/{id}` with the user\'s access token',
  write: 'BoardApi `POST /posts` with the user\'s access token (a new row each)',
};
// The known Redis key kinds that grow with the traffic (docs/redis.md): what a reader needs to judge the growth.
const KEY_NOTES = {
  refresh: 'one a refresh token redeemed in the last 5 minutes (its redemption claim, DetectRedeemedTokenReuse.SpentLifetime: a steady count after 5 minutes)',
  'refresh-latest': 'one a refresh token family, its last redeemed token',
  'session-authorizations': 'one a login session (each password grant is one)',
  '{revoked}:jti': 'one a revoked access token, until it would have expired (Server:AccessTokenLifetime, 15 minutes by default)',
};
const f = (v, digits = 1) => (v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const ms = (us) => us / 1000;
const mib = (kb) => kb / 1024;
const pct = (v) => `${v >= 0 ? '+' : ''}${f(100 * v)}%`;
const check = (ok) => (ok ? '✅ PASS' : '❌ FAIL');
const clock = (milliseconds) => `${Math.floor(milliseconds / 60000)}:${String(Math.round((milliseconds % 60000) / 1000)).padStart(2, '0')}`;
const sum = (values) => values.reduce((a, b) => a + b, 0);
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : undefined;
};

// Each revocation belongs to the slice running when it started (the one before the first slice, to the first).
slices.forEach((slice, i) => {
  const until = slices[i + 1]?.started_ms ?? Infinity;
  slice.revocations = revocations.filter((r) => (i === 0 || r.t >= slice.started_ms) && r.t < until);
  slice.revocationFailures = slice.revocations.filter((r) => !r.ok).length;
  slice.failed = slice.all.errors + slice.revocationFailures;
  const seconds = (slice.ended_ms - slice.started_ms) / 1000;
  const capacityTicks = seconds * cores * clockTicks;
  slice.busy = (100 * slice.machine_ticks) / capacityTicks;
  slice.ours = (100 * slice.own_ticks) / capacityTicks;
  slice.other = Math.max(0, slice.busy - slice.ours);
  slice.minutes = (slice.ended_ms - slices[0].started_ms) / 60000;
});
// A row's name: minutes, or slices when they are not a minute long (a trial).
const unit = Number(s.slice) === 60 ? 'minute' : 'slice';
const second = slices[1];
const last = slices.at(-1);

// The processes whose memory must stay flat, and how each is read.
const MEMORY = [
  ['IdentityServer 1', (r) => mib(r.rss_kb['identityserver-1'])],
  ['IdentityServer 2', (r) => mib(r.rss_kb['identityserver-2'])],
  ['BoardApi 1', (r) => mib(r.rss_kb['boardapi-1'])],
  ['BoardApi 2', (r) => mib(r.rss_kb['boardapi-2'])],
  ['nginx', (r) => mib(r.pss_kb.nginx)],
  ['Redis used_memory', (r) => r.redis.used_memory / 2 ** 20],
];
const growth = MEMORY.map(([name, read]) => ({ name, from: read(second), to: read(last), growth: read(last) / read(second) - 1 }));
const memoryOk = growth.every((g) => g.growth < 0.1);
const p99Ratio = last.all.latency_us.p99 / second.all.latency_us.p99;
const revocationFailures = sum(slices.map((x) => x.revocationFailures));
// The warm-up's are shown, not counted: it is there to take the cold start (JIT, first key fetches) out of the rest.
const warmupFailed = warmup?.all.errors ?? 0;
// "3 (2 timeout, 1 status)": wrk's kinds of failure summed over runs.
const kindsOfFailure = (runs) => {
  const counts = {};
  for (const wrk of runs) for (const [error, n] of Object.entries(wrk.errors)) counts[error] = (counts[error] ?? 0) + n;
  const total = sum(Object.values(counts));
  return [total, total ? `${total} (${Object.entries(counts).filter(([, n]) => n).map(([e, n]) => `${n} ${e}`).join(', ')})` : '0'];
};
const failedBy = [
  ['capacity run', ...kindsOfFailure(Object.values(capacity.kinds).map((k) => k.wrk))],
  ...Object.keys(KINDS).map((kind) => [`soak ${kind}`, ...kindsOfFailure(slices.map((x) => x.kinds[kind].wrk))]),
  ['revocations', revocationFailures, `${revocationFailures} (${[...new Set(revocations.filter((r) => !r.ok).map((r) => r.error))].slice(0, 3).join('; ')})`],
];
const totalFailed = sum(failedBy.map(([, n]) => n));
const target = (kind) => capacity.kinds[kind].rate;
const achieved = (kind) => sum(slices.map((x) => x.kinds[kind].rps)) / slices.length;

const loadavgLimit = LOAD_GATE.loadavgPerCore * cores;
const busySlices = slices.filter((x) => x.other > LOAD_GATE.otherPercent);
const unclean = [
  ...(Number(s.loadavg) > loadavgLimit ? [`load average ${s.loadavg} before the start (limit ${f(loadavgLimit)})`] : []),
  ...(busySlices.length ? [`other processes took more than ${LOAD_GATE.otherPercent}% of the cores during ${busySlices.length} of ${slices.length} ${unit}s`] : []),
];

const keyKinds = [...new Set(slices.flatMap((x) => Object.keys(x.redis.key_kinds)))];
const grown = keyKinds.map((kind) => ({ kind, from: second.redis.key_kinds[kind] ?? 0, to: last.redis.key_kinds[kind] ?? 0 }))
  .filter((k) => k.to > k.from).sort((a, b) => b.to - b.from - (a.to - a.from));
const topKeyKinds = keyKinds.sort((a, b) => (last.redis.key_kinds[b] ?? 0) - (last.redis.key_kinds[a] ?? 0)).slice(0, 4);
const tables = (r) => ({ ...Object.fromEntries(Object.entries(r.postgres.identity.tables).map(([t, b]) => [`identity.${t}`, b])),
  ...Object.fromEntries(Object.entries(r.postgres.board.tables).map(([t, b]) => [`board.${t}`, b])) });
const topTables = Object.entries(tables(last)).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([t]) => t);
const connections = (r) => sum(Object.values(r.postgres.connections));
const revocationP99 = (x) => percentile(x.revocations.filter((r) => r.ok).map((r) => r.propagation_ms), 99);
const minute = (x) => `${x.index} (${clock(x.ended_ms - slices[0].started_ms)})`;

const lines = [
  `# Soak: ${s.minutes} × ${s.slice} s of mixed load at ${s.load}% of capacity, through nginx`,
  '',
  ...(unclean.length ? [`> **⚠️ NOT A CLEAN RUN: ${unclean.join('; ')}.** Latency and throughput are those of a shared machine; `
    + 'run again on an idle one.', ''] : []),
  `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`bash bench/soak.sh\` in ${s.elapsed} s. ${machineLine()} `
    + versionsLine([sh('/usr/sbin/nginx -v 2>&1 || nginx -v 2>&1').replace('nginx version: ', '')]),
  '',
  'nginx (`deploy/nginx/nginx.conf.template`, as docker-compose.yml renders it: TLS, round robin, keep-alive to the '
    + 'instances, the issuer and BoardApi on one port each) in front of two IdentityServer and two BoardApi processes in '
    + 'Production configuration (forwarded headers trusted from 127.0.0.1, the https issuer is nginx\'s), fresh PostgreSQL and '
    + `Redis, each process's PostgreSQL pool capped at ${s.pool}. Rate limits on, raised so that one client, user and address never hit them. `
    + `Everything, wrk included, on the same ${cores} cores. One wrk per kind of request, side by side, \`-t1 -c${s.connections}\`, `
    + 'timeout 2 s (an unanswered request counts as failed):',
  '',
  ...Object.entries(KINDS).map(([kind, text]) => `- **${kind}**: ${text}`),
  '- **revocation**, once a second beside them (`bench/suite/soak.mjs`): a client_credentials token, accepted by BoardApi, '
    + 'revoked at the revocation endpoint (RFC 7009), then refused by BoardApi twice in a row (both instances) within 2 s, '
    + 'or it counts as failed.',
  '',
  `First ${s.warmup} s at full speed (not measured), then ${s.capacity} s at full speed: the capacity of each kind in this mix. `
    + `Then ${s.minutes} slices of ${s.slice} s back to back (about a second between them: the samples and a fresh user `
    + `token), each kind paced at ${s.load}% of its capacity (\`bench/wrk/paced.lua\`: steady send times; a wrk that falls `
    + 'behind does not catch up in bursts). After each slice: the RSS of every process (nginx and PostgreSQL, several '
    + 'processes sharing pages, as their summed PSS), Redis\'s `used_memory` and keys, PostgreSQL\'s connections and sizes. '
    + `The user's ${s.families} refresh token families (password grants) were signed in before the warm-up, more than the `
    + 'connections: each run loses the families whose refresh is unanswered when it stops.',
  '',
  `## Goals (issue 22)`,
  '',
  `- ${check(totalFailed === 0)} no failed request or revocation: **${totalFailed}** failed`
    + (totalFailed ? `: ${failedBy.filter(([, n]) => n).map(([what, , text]) => `${what} ${text}`).join(', ')}` : '')
    + `; ${sum(slices.map((x) => x.all.requests))} requests and ${sum(slices.map((x) => x.revocations.length))} revocations in the soak.`,
  ...(warmupFailed ? [`- ⚠️ the warm-up (not counted) had ${warmupFailed} failed requests (${Object.entries(warmup.kinds)
    .filter(([, k]) => k.errors).map(([kind, k]) => `${kind}: ${Object.entries(k.wrk.errors).filter(([, n]) => n).map(([e, n]) => `${n} ${e}`).join(', ')}`)
    .join('; ')}).`] : []),
  `- ${check(memoryOk)} memory flat after warm-up, growth from ${unit} 2 to ${unit} ${last.index} under 10%: `
    + growth.map((g) => `${g.name} ${pct(g.growth)} (${f(g.from)} → ${f(g.to)} MiB)`).join(', ') + '.',
  `- ${check(p99Ratio <= 1.2)} p99 of the last ${unit} within 1.2× of the second's (all requests together): `
    + `${f(ms(second.all.latency_us.p99))} → ${f(ms(last.all.latency_us.p99))} ms (×${f(p99Ratio, 2)}).`,
  `- ℹ️ pacing: ${Object.keys(KINDS).map((kind) => `${kind} ${f((100 * achieved(kind)) / target(kind), 0)}%`).join(', ')} `
    + 'of the target requests/s reached on average (below 100%: the servers did not keep up with the pace).',
  ...(grown.length ? [`- ℹ️ Redis keys that grew from ${unit} 2 to ${last.index}: `
    + grown.map((k) => `\`${k.kind}\` ${k.from} → ${k.to}${KEY_NOTES[k.kind] ? ` (${KEY_NOTES[k.kind]})` : ''}`).join('; ')
    + `. In all ${pct(last.redis.keys / second.redis.keys - 1)} keys and +${f((last.redis.used_memory - second.redis.used_memory) / 1024)} KiB `
    + `of used_memory, about ${f((last.redis.used_memory - second.redis.used_memory) / (last.redis.keys - second.redis.keys), 0)} bytes a key.`] : []),
  '',
  '![Requests/s and p99 over time; memory relative to the second minute](soak.svg)',
  '',
  '## Capacity and pacing',
  '',
  `| kind | full speed: requests/s | full speed: p99 (ms) | target: ${s.load}% (requests/s) | soak: requests/s (mean) | soak: p99 (ms), worst ${unit} | failed |`,
  '|---|---|---|---|---|---|---|',
  ...Object.keys(KINDS).map((kind) => `| ${kind} | ${f(capacity.kinds[kind].rps)} | ${f(ms(capacity.kinds[kind].wrk.latency_us.p99))} | `
    + `${f(target(kind))} | ${f(achieved(kind))} | ${f(Math.max(...slices.map((x) => ms(x.kinds[kind].wrk.latency_us.p99))))} | `
    + `${kindsOfFailure(slices.map((x) => x.kinds[kind].wrk))[1]} |`),
  `| **all** | ${f(capacity.all.rps)} | ${f(ms(capacity.all.latency_us.p99))} | ${f(sum(Object.keys(KINDS).map(target)))} | `
    + `${f(sum(Object.keys(KINDS).map(achieved)))} | ${f(Math.max(...slices.map((x) => ms(x.all.latency_us.p99))))} | `
    + `${sum(slices.map((x) => x.all.errors))} |`,
  '',
  `## Per ${unit}`,
  '',
  `Time: since the soak started, at the end of the ${unit}. Latency of all requests together (the kinds' histograms merged, `
    + 'bins 1% wide). Memory in MiB. CPU: the whole machine busy, and what processes outside this benchmark took, in % of all cores.',
  '',
  '| # (time) | requests/s | p50 (ms) | p99 (ms) | failed | revocations (failed) | revoked → refused p99 (ms) | IdentityServer 1 | IdentityServer 2 | BoardApi 1 | BoardApi 2 | nginx | Redis used_memory | Redis keys | PostgreSQL connections | PostgreSQL | CPU busy (%) | other (%) | load average |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...slices.map((x) => `| ${minute(x)} | ${f(x.all.rps, 0)} | ${f(ms(x.all.latency_us.p50))} | ${f(ms(x.all.latency_us.p99))} | `
    + `${x.failed} | ${x.revocations.length} (${x.revocationFailures}) | ${f(revocationP99(x))} | `
    + `${['identityserver-1', 'identityserver-2', 'boardapi-1', 'boardapi-2'].map((p) => f(mib(x.rss_kb[p]), 0)).join(' | ')} | `
    + `${f(mib(x.pss_kb.nginx))} | ${f(x.redis.used_memory / 2 ** 20, 2)} | ${x.redis.keys} | ${connections(x)} | ${f(mib(x.pss_kb.postgres), 0)} | `
    + `${f(x.busy, 0)} | ${f(x.other, 0)}${x.other > LOAD_GATE.otherPercent ? ' ⚠️' : ''} | ${x.loadavg} |`),
  '',
  `1-minute load average before the start: ${s.loadavg} (the gate: ${f(loadavgLimit)}, ${LOAD_GATE.loadavgPerCore} per core).`,
  '',
  `### p99 per kind (ms)`,
  '',
  `| # | ${Object.keys(KINDS).join(' | ')} |`,
  `|---|${Object.keys(KINDS).map(() => '---|').join('')}`,
  ...slices.map((x) => `| ${x.index} | ${Object.keys(KINDS).map((kind) => f(ms(x.kinds[kind].wrk.latency_us.p99))).join(' | ')} |`),
  '',
  '### Storage',
  '',
  'Redis keys of the four most numerous kinds (the key\'s first segment after the prefix), and PostgreSQL: each database\'s '
    + 'size and its four largest tables (with indexes and TOAST), in MiB.',
  '',
  `| # | ${topKeyKinds.map((k) => `keys \`${k}\``).join(' | ')} | database identity | database board | ${topTables.join(' | ')} |`,
  `|---|${[...topKeyKinds, 1, 2, ...topTables].map(() => '---|').join('')}`,
  ...slices.map((x) => `| ${x.index} | ${topKeyKinds.map((k) => x.redis.key_kinds[k] ?? 0).join(' | ')} | `
    + `${f(x.postgres.identity.size / 2 ** 20)} | ${f(x.postgres.board.size / 2 ** 20)} | `
    + `${topTables.map((t) => f((tables(x)[t] ?? 0) / 2 ** 20, 2)).join(' | ')} |`),
  '',
  `Raw figures of this run: [raw/soak.jsonl](raw/soak.jsonl) (wrk latencies in µs, CPU in clock ticks of 1/${clockTicks} s, `
    + 'memory in kB, sizes in bytes; a line per revocation).',
];
writeFileSync(join(resultsDir, 'soak.md'), `${lines.join('\n')}\n`);

const minutes = slices.map((x) => +x.minutes.toFixed(2));
const memory = MEMORY.map(([name, read]) => ({ name, values: slices.map((x) => (100 * read(x)) / read(second)) }));
const memoryValues = memory.flatMap((m) => m.values);
const COLORS = ['#2171b5', '#6baed6', '#238b45', '#74c476', '#d94801', '#6a51a3'];
writeFileSync(join(resultsDir, 'soak.svg'), timelineChart({
  title: `Soak at ${s.load}% of capacity through nginx: 2 IdentityServer + 2 BoardApi`,
  x: minutes,
  xLabel: 'minutes since the soak started (a point at the end of each slice)',
  panels: [
    { title: 'Throughput and latency, all requests', left: { label: 'requests/s', min: 0 }, right: { label: 'ms' },
      series: [
        { name: 'requests/s', values: slices.map((x) => x.all.rps), color: '#08306b', axis: 'left' },
        { name: 'p99 (ms, right)', values: slices.map((x) => ms(x.all.latency_us.p99)), color: '#d94801', axis: 'right' },
        { name: 'p50 (ms, right)', values: slices.map((x) => ms(x.all.latency_us.p50)), color: '#fd8d3c', axis: 'right', dashed: true },
      ] },
    { title: `Memory, % of ${unit} 2 (goal: under 110%; the band ±10%)`, band: [90, 110],
      left: { label: `% of ${unit} 2`, min: 5 * Math.floor(Math.min(85, ...memoryValues) / 5), max: 5 * Math.ceil(Math.max(120, ...memoryValues) / 5) },
      series: memory.map((m, i) => ({ ...m, color: COLORS[i], axis: 'left', dashed: m.name.startsWith('Redis') })) },
  ],
}));
console.log(lines.slice(lines.indexOf('## Goals (issue 22)'), lines.indexOf('## Capacity and pacing')).join('\n'));
if (unclean.length) console.error(`NOT A CLEAN RUN: ${unclean.join('; ')}`);
if (totalFailed > 0) {
  console.error(`${totalFailed} requests or revocations failed`);
  process.exit(2);
}
