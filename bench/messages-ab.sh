#!/usr/bin/env bash
# An A/B of the message consumers: bench/messages.sh with the IdentityServer of another checkout (A) and of this one
# (B), alternately (A, B, A, B, ...), in one session. The last B run writes bench/results/messages.md; the A/B table
# of every run is appended to it. Usage: bench/messages-ab.sh OTHER_CHECKOUT [messages-per-round]
# ROUNDS (default 2) runs of each.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OTHER=$(cd "${1:?usage: bench/messages-ab.sh OTHER_CHECKOUT [messages-per-round]}" && pwd)
COUNT=${2:-5000}
ROUNDS=${ROUNDS:-2}
RESULTS=$REPO_ROOT/bench/results/messages.md
FIGURES=$(mktemp "${TMPDIR:-/tmp}/redisjwt-messages-ab.XXXXXX")
trap 'rm -f "$FIGURES" "$FIGURES.md"' EXIT

for ((i = 1; i <= ROUNDS; i++)); do
  IDENTITY_ROOT=$OTHER RESULTS=$FIGURES.md RAW=$FIGURES bash "$REPO_ROOT/bench/messages.sh" "$COUNT"
  RESULTS=$RESULTS RAW=$FIGURES bash "$REPO_ROOT/bench/messages.sh" "$COUNT"
done

python3 - "$FIGURES" "$RESULTS" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
ms = lambda r, hz: r["serverTicks"] * 1000 / hz / r["count"]
others = lambda r: max(0, r["machineTicks"] - r["ownTicks"]) / max(1, r["machineTicks"])
lines = [
    "",
    "## A/B: the other checkout's IdentityServer vs this one's",
    "",
    "Alternating runs of `bench/messages.sh` in one session (`bench/messages-ab.sh`), each on fresh PostgreSQL and",
    "Redis; the bench program is this checkout's in both. CPU: the IdentityServers' utime + stime (/proc) per message;",
    "idle: one IdentityServer over 10 s with nothing queued, in % of one core. Busy: other processes used more than",
    "10% of the CPU time the machine spent during one of the run's measurements.",
    "",
    "| run | IdentityServer | 1 instance msg/s | 2 instances msg/s | CPU ms/msg (1) | CPU ms/msg (2) | idle CPU | others' share of the busy CPU (1 / 2 / idle) | load before → after |",
    "|---|---|---|---|---|---|---|---|---|",
]
for n, run in enumerate(runs, 1):
    hz, one, two, idle = run["hz"], run["one"], run["two"], run["idle"]
    lines.append(
        f"| {n}{' (busy)' if run['busy'] else ''} | `{run['root']}` {run['commit']} | {one['perSecond']:.0f} | {two['perSecond']:.0f} "
        f"| {ms(one, hz):.3f} | {ms(two, hz):.3f} | {idle['serverTicks'] / hz / run['idleSeconds']:.1%} "
        f"| {others(one):.0%} / {others(two):.0%} / {others(idle):.0%} | {run['loadBefore']} → {run['loadAfter']} |")
open(sys.argv[2], "a").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
