// What every bench report states about where it ran: the machine, and the versions of what was measured.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

// A command's output, or '?' (or what it printed) when it failed: a report is still written without one version.
export const sh = (command) => {
  try {
    return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    return (e.stdout || '').trim() || '?';
  }
};

export const clockTicks = Number(sh('getconf CLK_TCK')) || 100;
export const cores = cpus().length;
export const openIddictVersion = /<OpenIddictVersion>([^<]+)</.exec(readFileSync(join(repo, 'Directory.Packages.props'), 'utf8'))?.[1];

// "Machine: 2 cores (model), 24 GiB, Linux 6.1.0." and "Versions: .NET SDK ..., X 1.2, ...", EXTRA (["name version"])
// inserted after Node.js.
export function machineLine() {
  return `Machine: ${cores} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${sh('uname -r')}.`;
}

export function versionsLine(extra = []) {
  const aspnet = sh('dotnet --list-runtimes').split('\n').filter((l) => l.startsWith('Microsoft.AspNetCore.App')).pop()?.split(' ')[1];
  const pgBin = sh('ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1');
  return [`Versions: .NET SDK ${sh('dotnet --version')} (ASP.NET Core ${aspnet})`, `OpenIddict ${openIddictVersion}`,
    `Node.js ${process.version}`, ...extra, sh(`${pgBin}/postgres --version`).replace('(PostgreSQL) ', ''),
    `Redis ${/v=(\S+)/.exec(sh('redis-server --version'))?.[1]}`, sh('wrk -v 2>&1 | head -n 1').split(' ').slice(0, 2).join(' ')]
    .join(', ') + '.';
}

// The load gate of every report: a run is not clean when the machine was busy before it started (1-minute load average
// above loadavgPerCore per core) or when processes outside the benchmark took more than otherPercent % of all cores
// while it measured: then its figures are not comparable with a clean run's.
export const LOAD_GATE = { loadavgPerCore: 0.75, otherPercent: 10 };
