import { COLORS } from './palette';

// A standalone SVG line chart (white page, sans-serif), for the figures the CLI writes and the
// documents embed: a sweep's metric against its parameter, a run's curves over its epochs.

export interface ChartLine {
  label: string;
  /** y per x position; null leaves a gap in the markers and the band. */
  ys: (number | null)[];
  /** The band's edges, drawn where both are known (a ± sd over seeds). */
  band?: { upper: (number | null)[]; lower: (number | null)[] };
}

export interface LineChart {
  title: string;
  /** The x position of each index of the lines' ys. */
  xs: number[];
  /** The x axis's ticks; default: five nice numbers over the xs. */
  xTicks?: { at: number; label: string }[];
  xLabel?: string;
  yLabel?: string;
  /** A log₁₀ y axis (values ≤ 0 are left out). */
  logY?: boolean;
  /** A dot on every point (few points: a sweep), or lines alone (many: epochs). */
  markers?: boolean;
  lines: ChartLine[];
}

const esc = (s: string) => s.replace(/[<&>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A function adding text elements to `parts`. */
export const textInto =
  (parts: string[]) =>
  (x: number, y: number, s: string, anchor = 'middle', extra = '') =>
    parts.push(`<text x="${x}" y="${y}" text-anchor="${anchor}" ${extra}>${esc(s)}</text>`);

/** The figure's frame: a W × H white SVG around its parts. */
export const svgPage = (W: number, H: number, parts: string[]) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>`;

/** Three to seven round values from lo to hi (1, 2 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 6;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push(Number(t.toPrecision(12)));
  return out;
}

/** A tick label: short fixed notation, or powers of ten on a log axis. */
const tickText = (y: number, log: boolean) =>
  log ? `1e${Math.round(Math.log10(y))}` : Math.abs(y) >= 1000 ? y.toExponential(1) : String(y);

export function lineChartSvg(c: LineChart): string {
  const W = 640;
  const H = 400;
  // The legend's width follows its longest label: up to ~8 px a character at 12 px (capitals in
  // DejaVu Sans, Chromium's fallback here; 7.2 clipped "HyperKDMA+DE m = 2").
  const longest = Math.max(0, ...c.lines.map((l) => l.label.length));
  const m = {
    l: 64,
    r: Math.round(Math.min(280, Math.max(120, 40 + 8 * longest))),
    t: 30,
    b: 50,
  };
  const parts: string[] = [];
  const text = textInto(parts);
  text(W / 2, 18, c.title, 'middle', 'font-weight="bold"');
  const log = !!c.logY;
  const ty = (y: number | null) =>
    y === null || !Number.isFinite(y) || (log && y <= 0) ? null : log ? Math.log10(y) : y;
  const shown = c.lines.flatMap((l) => [
    ...l.ys,
    ...(l.band ? [...l.band.upper, ...l.band.lower] : []),
  ]);
  const vals = shown.map(ty).filter((y): y is number => y !== null);
  let [y0, y1] = vals.length ? [Math.min(...vals), Math.max(...vals)] : [0, 1];
  if (log) [y0, y1] = [Math.floor(y0), Math.max(Math.ceil(y1), Math.floor(y0) + 1)];
  else {
    // A span of float rounding (a difference of two runs that is level) is drawn as flat.
    const span = y1 - y0 > 1e-9 * (Math.abs(y0) + Math.abs(y1)) ? y1 - y0 : 0;
    const pad = (span || Math.abs(y0) * 0.1 || 0.01) * 0.08;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const [x0, x1] = [Math.min(...c.xs), Math.max(...c.xs)];
  const px = (x: number) => m.l + (x1 > x0 ? (x - x0) / (x1 - x0) : 0.5) * (W - m.l - m.r);
  const py = (y: number) => m.t + (1 - (y - y0) / (y1 - y0)) * (H - m.t - m.b);
  parts.push(`<path d="M${m.l},${m.t}V${H - m.b}H${W - m.r}" fill="none" stroke="#888"/>`);
  const yTicks = log
    ? Array.from({ length: y1 - y0 + 1 }, (_, k) => y0 + k)
    : niceTicks(y0, y1).filter((y) => y >= y0 && y <= y1);
  for (const y of yTicks) text(m.l - 6, py(y) + 4, tickText(log ? 10 ** y : y, log), 'end');
  const xTicks = c.xTicks ?? niceTicks(x0, x1).map((at) => ({ at, label: tickText(at, false) }));
  for (const t of xTicks) text(px(t.at), H - m.b + 18, t.label);
  if (c.xLabel) text((m.l + W - m.r) / 2, H - 10, c.xLabel);
  if (c.yLabel) {
    const mid = (m.t + H - m.b) / 2;
    text(14, mid, c.yLabel, 'middle', `transform="rotate(-90 14 ${mid})"`);
  }
  const points = (ys: (number | null)[]) =>
    ys.flatMap((y, i) => {
      const v = ty(y);
      return v === null ? [] : [`${px(c.xs[i]).toFixed(1)},${py(v).toFixed(1)}`];
    });
  c.lines.forEach((l, k) => {
    const color = COLORS[k % COLORS.length];
    if (l.band) {
      const upper = points(l.band.upper);
      const lower = points(l.band.lower).reverse();
      if (upper.length > 1)
        parts.push(
          `<polygon points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.16"/>`,
        );
    }
    const pts = points(l.ys);
    parts.push(
      `<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`,
    );
    if (c.markers)
      for (const p of pts) {
        const [cx, cy] = p.split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
      }
    parts.push(
      `<rect x="${W - m.r + 10}" y="${m.t + k * 18}" width="12" height="12" fill="${color}"/>`,
    );
    text(W - m.r + 28, m.t + k * 18 + 10, l.label, 'start');
  });
  return svgPage(W, H, parts);
}
