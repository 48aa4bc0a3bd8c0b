// The chart of bench/results/latest.md: grouped bars of latency percentiles per scenario and server, log scale.
// Hand-written SVG, no chart library. items: [{ group, label: [line, line], kind: 'ours' | 'bare' (a floor) | 'peer', values: { p50, p90, p99,
// 'p99.9' } }]; items of one group (scenario) stand side by side, a gap and a rule between groups.
const KEYS = ['p50', 'p90', 'p99', 'p99.9'];
const PALETTES = { ours: ['#9ecae1', '#4292c6', '#2171b5', '#08306b'], bare: ['#c7e9c0', '#74c476', '#31a354', '#00441b'],
  peer: ['#fdd0a2', '#fd8d3c', '#d94801', '#7f2704'] };
const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const fmt = (v) => (v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));

export function latencyChart(items) {
  const values = items.flatMap((item) => KEYS.map((key) => item.values[key])).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const [left, top, plotHeight, group, bar, gap] = [56, 56, 280, 96, 18, 28];
  // x of each item: groups of a scenario packed, a gap before each new scenario.
  const xs = [];
  items.forEach((item, i) => xs.push(i === 0 ? left : xs[i - 1] + group + (item.group === items[i - 1].group ? 0 : gap)));
  const width = (xs.at(-1) ?? left) + group + 16;
  const height = top + plotHeight + 64;
  const y = (v) => top + plotHeight - (Math.log10(v / lo) / Math.log10(hi / lo)) * plotHeight;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">Latency percentiles (ms, log scale): p50, p90, p99, p99.9</text>`,
    `<rect x="${left}" y="30" width="10" height="10" fill="${PALETTES.ours[2]}"/><text x="${left + 14}" y="39">ours (IdentityServer, BoardApi)</text>`,
    `<rect x="${left + 200}" y="30" width="10" height="10" fill="${PALETTES.bare[2]}"/><text x="${left + 214}" y="39">the floors (bare OpenIddict, bare JwtBearer API)</text>`,
    `<rect x="${left + 480}" y="30" width="10" height="10" fill="${PALETTES.peer[2]}"/><text x="${left + 494}" y="39">oidc-provider</text>`,
    `<text x="${left + 600}" y="39" fill="#555">lighter to darker: p50 → p99.9; figure above the bar: p99</text>`,
  ];
  for (let decade = lo; decade <= hi; decade *= 10) {
    for (const tick of [1, 2, 5].map((m) => m * decade).filter((t) => t <= hi)) {
      out.push(`<line x1="${left}" x2="${width - 16}" y1="${y(tick)}" y2="${y(tick)}" stroke="${tick === decade ? '#bbb' : '#eee'}"/>`,
        `<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end" fill="#555">${+tick.toPrecision(1)}</text>`);
    }
  }
  items.forEach((item, index) => {
    const x0 = xs[index] + (group - KEYS.length * bar) / 2;
    if (index > 0 && item.group !== items[index - 1].group) {
      out.push(`<line x1="${xs[index] - gap / 2}" x2="${xs[index] - gap / 2}" y1="${top}" y2="${top + plotHeight + 40}" stroke="#ddd"/>`);
    }
    const palette = PALETTES[item.kind];
    KEYS.forEach((key, k) => {
      const v = item.values[key];
      if (!(v > 0)) return;
      out.push(`<rect x="${x0 + k * bar}" y="${y(v)}" width="${bar - 2}" height="${top + plotHeight - y(v)}" fill="${palette[k]}">`
        + `<title>${escape(item.label.join(', '))} ${key}: ${fmt(v)} ms</title></rect>`);
    });
    const p99 = item.values.p99;
    if (p99 > 0) out.push(`<text x="${x0 + 2.5 * bar - 1}" y="${y(p99) - 4}" text-anchor="middle">${fmt(p99)}</text>`);
    item.label.forEach((line, l) => out.push(
      `<text x="${xs[index] + group / 2}" y="${top + plotHeight + 16 + l * 14}" text-anchor="middle">${escape(line)}</text>`));
  });
  out.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotHeight}" stroke="#999"/>`, '</svg>');
  return `${out.join('\n')}\n`;
}
