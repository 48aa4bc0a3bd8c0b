// The charts of the bench reports, hand-written SVG, no chart library. latencyChart (bench/results/latest.md): grouped
// bars of latency percentiles per scenario and server, log scale. items: [{ group, label: [line, line], kind: 'ours' |
// 'bare' | 'peer', values: { p50, p90, p99, 'p99.9' } }]; items of one group (scenario) stand side by side, a gap and a
// rule between groups. timelineChart (bench/results/soak.md): below.
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

// About five round steps from lo to hi: 1, 2 or 5 times a power of ten.
function ticks(lo, hi) {
  const raw = (hi - lo) / 5 || 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step / 1e6; t += step) out.push(+t.toPrecision(6));
  return out;
}

// The chart of bench/results/soak.md: panels stacked over one x axis (minutes), in each a line per series. A panel:
// { title, left: { label, min?, max? }, right?: { label }, band?: [lo, hi] (shaded on the left scale, the goal's
// range), series: [{ name, values, color, axis: 'left' | 'right', dashed? }] }.
export function timelineChart({ title, x, xLabel, panels }) {
  const [left, right, plotWidth, plotHeight, panelGap, top] = [64, 64, 720, 190, 96, 44];
  const width = left + plotWidth + right;
  const height = top + panels.length * (plotHeight + panelGap);
  const [x0, x1] = [Math.min(0, ...x), Math.max(...x)];
  const px = (v) => left + ((v - x0) / (x1 - x0 || 1)) * plotWidth;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  panels.forEach((panel, p) => {
    const y0 = top + p * (plotHeight + panelGap) + 30;
    const scale = (axis) => {
      const values = panel.series.filter((s) => s.axis === axis).flatMap((s) => s.values).filter(Number.isFinite);
      const spec = panel[axis] ?? {};
      const lo = spec.min ?? Math.min(0, ...values);
      const hi = spec.max ?? Math.max(...values, ...(axis === 'left' && panel.band ? [panel.band[1]] : []), lo + 1) * 1.08;
      return { lo, hi, y: (v) => y0 + plotHeight - ((v - lo) / (hi - lo)) * plotHeight };
    };
    const scales = { left: scale('left'), right: panel.right ? scale('right') : undefined };
    out.push(`<text x="${left}" y="${y0 - 18}" font-size="12" font-weight="bold">${escape(panel.title)}</text>`);
    let legend = left;
    for (const s of panel.series) {
      out.push(`<line x1="${legend}" x2="${legend + 16}" y1="${y0 - 7}" y2="${y0 - 7}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
        `<text x="${legend + 20}" y="${y0 - 3}">${escape(s.name)}</text>`);
      legend += 28 + 6.2 * s.name.length;
    }
    if (panel.band) {
      const [a, b] = panel.band.map(scales.left.y);
      out.push(`<rect x="${left}" y="${b}" width="${plotWidth}" height="${a - b}" fill="#e5f5e0"/>`);
    }
    for (const t of ticks(scales.left.lo, scales.left.hi)) {
      out.push(`<line x1="${left}" x2="${left + plotWidth}" y1="${scales.left.y(t)}" y2="${scales.left.y(t)}" stroke="#eee"/>`,
        `<text x="${left - 6}" y="${scales.left.y(t) + 4}" text-anchor="end" fill="#555">${t}</text>`);
    }
    if (scales.right) {
      for (const t of ticks(scales.right.lo, scales.right.hi)) {
        out.push(`<text x="${left + plotWidth + 6}" y="${scales.right.y(t) + 4}" fill="#555">${t}</text>`);
      }
    }
    out.push(`<text transform="translate(16 ${y0 + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#555">${escape(panel.left.label)}</text>`);
    if (panel.right) {
      out.push(`<text transform="translate(${width - 12} ${y0 + plotHeight / 2}) rotate(90)" text-anchor="middle" fill="#555">${escape(panel.right.label)}</text>`);
    }
    for (const t of ticks(x0, x1)) {
      out.push(`<line x1="${px(t)}" x2="${px(t)}" y1="${y0 + plotHeight}" y2="${y0 + plotHeight + 4}" stroke="#999"/>`,
        `<text x="${px(t)}" y="${y0 + plotHeight + 16}" text-anchor="middle" fill="#555">${t}</text>`);
    }
    out.push(`<text x="${left + plotWidth / 2}" y="${y0 + plotHeight + 32}" text-anchor="middle" fill="#555">${escape(xLabel)}</text>`,
      `<rect x="${left}" y="${y0}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`);
    for (const s of panel.series) {
      const { y } = scales[s.axis];
      const points = s.values.map((v, i) => [px(x[i]).toFixed(1), y(v).toFixed(1), v]).filter(([, , v]) => Number.isFinite(v));
      out.push(`<polyline points="${points.map(([a, b]) => `${a},${b}`).join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
      for (const [a, b, v] of points) out.push(`<circle cx="${a}" cy="${b}" r="2.5" fill="${s.color}"><title>${escape(s.name)}: ${fmt(v)}</title></circle>`);
    }
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
