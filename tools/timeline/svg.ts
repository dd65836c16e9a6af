/** Render a {@link Timeline} as a self-contained SVG (no scripts, no external fonts). */
import { eligibleCapacity, type Timeline } from './model.js';

const WIDTH = 1000;
const LABEL = 170;
const RIGHT = 20;
const ROW = 14;
const TOP = 58;
const CAPACITY_HEIGHT = 110;
const COLORS = {
  joining: '#7aa6d8',
  eligible: '#4c9a5b',
  draining: '#e39b2d',
  leaving: '#b5b5b5',
  abandoned: '#c0392b',
  marker: '#888',
  capacity: '#4c9a5b',
} as const;

const esc = (s: string): string => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);

function tickStep(spanMs: number): number {
  const minutes = spanMs / 60_000;
  for (const step of [1, 2, 5, 10, 15, 30, 60, 120, 240, 480]) if (minutes / step <= 12) return step * 60_000;
  return 960 * 60_000;
}

export function renderTimelineSvg(t: Timeline): string {
  const span = Math.max(1, t.end - t.start);
  const plot = WIDTH - LABEL - RIGHT;
  const x = (at: number): number => LABEL + ((Math.min(Math.max(at, t.start), t.end) - t.start) / span) * plot;
  const rowsHeight = t.rows.length * ROW;
  const capTop = TOP + rowsHeight + 34;
  const height = capTop + CAPACITY_HEIGHT + 46;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<title>${esc(t.title)}: one row per node (launch, join, drain, terminate), eligible nodes over time beneath</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${LABEL}" y="18" font-size="14" font-weight="bold">${esc(t.title)}</text>`,
  );
  // Legend.
  const legend: Array<[string, string]> = [
    ['launch → join', COLORS.joining],
    ['eligible', COLORS.eligible],
    ['draining', COLORS.draining],
    ['drained → terminated', COLORS.leaving],
    ['abandoned', COLORS.abandoned],
  ];
  legend.forEach(([label, color], i) => {
    const lx = LABEL + i * 150;
    out.push(`<rect x="${lx}" y="28" width="12" height="9" fill="${color}"/><text x="${lx + 16}" y="36">${label}</text>`);
  });
  // Time axis (minutes from the start) and grid.
  const step = tickStep(span);
  for (let at = 0; at <= span; at += step) {
    const gx = x(t.start + at);
    out.push(
      `<line x1="${gx.toFixed(1)}" y1="${TOP - 6}" x2="${gx.toFixed(1)}" y2="${capTop + CAPACITY_HEIGHT}" stroke="#eee"/>`,
      `<text x="${gx.toFixed(1)}" y="${capTop + CAPACITY_HEIGHT + 16}" text-anchor="middle" fill="#555">${Math.round(at / 60_000)} min</text>`,
    );
  }
  for (const m of t.markers) {
    const mx = x(m.at).toFixed(1);
    out.push(
      `<line x1="${mx}" y1="${TOP - 8}" x2="${mx}" y2="${capTop + CAPACITY_HEIGHT}" stroke="${COLORS.marker}" stroke-dasharray="3,3"/>`,
      `<text x="${mx}" y="${TOP - 10}" fill="${COLORS.marker}" font-size="10">${esc(m.label)}</text>`,
    );
  }
  // One row per node.
  const bar = (from: number | undefined, to: number | undefined, y: number, color: string, h = ROW - 4): void => {
    if (from === undefined) return;
    const x1 = x(from);
    const x2 = x(to ?? t.end);
    out.push(
      `<rect x="${x1.toFixed(1)}" y="${(y + (ROW - 4 - h) / 2).toFixed(1)}" width="${Math.max(1.5, x2 - x1).toFixed(1)}" height="${h}" fill="${color}"/>`,
    );
  };
  t.rows.forEach((r, i) => {
    const y = TOP + i * ROW;
    out.push(`<text x="${LABEL - 6}" y="${y + ROW - 5}" text-anchor="end" fill="${r.launch === undefined ? '#333' : '#1f4e79'}">${esc(r.instanceId)}</text>`);
    const eligibleFrom = r.launch === undefined ? t.start : r.join;
    bar(r.launch, r.join ?? r.abandoned, y, COLORS.joining);
    if (r.abandoned !== undefined) bar(r.abandoned, r.terminate ?? r.abandoned, y, COLORS.abandoned);
    bar(eligibleFrom, r.drainStart ?? r.terminate, y, COLORS.eligible);
    bar(r.drainStart, r.drainEnd ?? r.terminate, y, COLORS.draining);
    if (r.drainEnd !== undefined && r.terminate !== undefined) bar(r.drainEnd, r.terminate, y, COLORS.leaving, 4);
    if (r.terminate !== undefined) out.push(`<text x="${(x(r.terminate) + 3).toFixed(1)}" y="${y + ROW - 5}" fill="#777" font-size="10">✕</text>`);
  });
  // Eligible capacity beneath, as a step line.
  const series = eligibleCapacity(t);
  const max = Math.max(1, ...series.map((p) => p.value));
  const floor = Math.min(...series.map((p) => p.value));
  // The axis starts a little under the lowest value, so a dip of one node shows.
  const lo = Math.max(0, floor - Math.max(2, Math.ceil((max - floor) / 2)));
  const cy = (v: number): number => capTop + CAPACITY_HEIGHT - ((v - lo) / Math.max(1, max - lo)) * (CAPACITY_HEIGHT - 10);
  let path = '';
  series.forEach((p, i) => {
    path += i === 0 ? `M${x(p.at).toFixed(1)},${cy(p.value).toFixed(1)}` : `H${x(p.at).toFixed(1)}V${cy(p.value).toFixed(1)}`;
  });
  path += `H${x(t.end).toFixed(1)}`;
  const startValue = series[0]?.value ?? 0;
  const mid = capTop + CAPACITY_HEIGHT / 2;
  out.push(
    `<text x="${LABEL - 24}" y="${mid - 4}" text-anchor="end" font-weight="bold">eligible nodes</text>`,
    `<text x="${LABEL - 24}" y="${mid + 10}" text-anchor="end" fill="#555">lowest ${floor}, highest ${max}</text>`,
    `<line x1="${LABEL}" y1="${cy(lo)}" x2="${WIDTH - RIGHT}" y2="${cy(lo)}" stroke="#999"/>`,
    `<text x="${LABEL - 4}" y="${cy(lo) + 4}" text-anchor="end" fill="#555" font-size="10">${lo}</text>`,
    `<text x="${LABEL - 4}" y="${(cy(max) + 4).toFixed(1)}" text-anchor="end" fill="#555" font-size="10">${max}</text>`,
    `<line x1="${LABEL}" y1="${cy(startValue).toFixed(1)}" x2="${WIDTH - RIGHT}" y2="${cy(startValue).toFixed(1)}" stroke="#999" stroke-dasharray="4,3"/>`,
    `<path d="${path}" fill="none" stroke="${COLORS.capacity}" stroke-width="2"/>`,
    `<text x="${LABEL + 4}" y="${(cy(startValue) - 4).toFixed(1)}" fill="#555" font-size="10">start ${startValue}</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
