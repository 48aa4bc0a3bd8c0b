// Top frames of a dotnet-trace thread-time profile (speedscope JSON from `dotnet-trace convert --format Speedscope`),
// counting only time a thread was busy: dotnet-trace collect samples every managed thread, also the ones parked in a
// wait, so intervals in native code whose innermost managed frame is a known wait are left out (what remains still
// includes native code called from the last managed frame, e.g. the RSA signature, and Monitor.Enter_Slowpath, i.e.
// time blocked on a contended lock).
// Usage: node bench/suite/profile-top.mjs FILE.speedscope.json [N] [FILTER_REGEX]
import { readFileSync } from 'node:fs';

const [file, n = '40', filter] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(file, 'utf8'));
const frames = doc.shared.frames.map(f => f.name);
const IDLE = [
  /LowLevelLifoSemaphore\.WaitForSignal/, /Monitor\.Wait\(/, /WaitHandle\.WaitOne/, /ManualResetEventSlim\.Wait/,
  /DedicatedThreadPoolPipeScheduler\.RunWorkLoop/, /Interop\+Sys\.Read\(/, /SemaphoreSlim\.Wait/, /Thread\.Sleep/,
  /WaitForSocketEvents/, /Interop\+Sys\.(Poll|Accept|WaitPid)/, /Thread\.Join/, /LowLevelLifoSemaphore\.Wait\(/,
  /SocketAsyncEngine\.EventLoop\(\)$/, /Interop\+Sys\.WaitForSignal/, /PortableThreadPool\+GateThread/,
  /WaitSubsystem/, /Task\.SpinThenBlockingWait/, /Task\.InternalWaitCore/, /Console/,
];
const inclusive = new Map(), exclusive = new Map();
let busy = 0, idle = 0;
for (const profile of doc.profiles) {
  const stack = [];
  let last = profile.startValue;
  const account = at => {
    const dt = at - last;
    last = at;
    if (dt <= 0 || stack.length === 0) return;
    // The converter ends each stack with CPU_TIME (managed code running) or UNMANAGED_CODE_TIME (native code or a wait).
    const names = stack.map(i => frames[i]).filter(f => f !== 'CPU_TIME' && f !== 'UNMANAGED_CODE_TIME');
    const leaf = names[names.length - 1];
    if (frames[stack[stack.length - 1]] !== 'CPU_TIME' && IDLE.some(r => r.test(leaf))) { idle += dt; return; }
    busy += dt;
    exclusive.set(leaf, (exclusive.get(leaf) ?? 0) + dt);
    for (const name of new Set(names)) inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  };
  for (const e of profile.events) {
    account(e.at);
    if (e.type === 'O') stack.push(e.frame);
    else stack.splice(stack.lastIndexOf(e.frame), 1);
  }
}
const pct = v => `${(100 * v / busy).toFixed(1).padStart(5)}%`;
const top = (map, title) => {
  console.log(`\n${title}`);
  [...map].filter(([k]) => !filter || new RegExp(filter).test(k)).sort((a, b) => b[1] - a[1]).slice(0, +n)
    .forEach(([k, v]) => console.log(`${pct(v)}  ${k.slice(0, 170)}`));
};
console.log(`busy ${(busy / 1000).toFixed(1)} thread-s, idle ${(idle / 1000).toFixed(1)} thread-s (left out)`);
top(exclusive, 'exclusive (busy time)');
top(inclusive, 'inclusive (busy time)');
