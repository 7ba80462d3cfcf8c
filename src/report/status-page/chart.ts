import type { ProxyVerdict } from '../../model/verdict.js';
import { pageText, utc, utcClock } from './text.js';

/**
 * The per-proxy chart, drawn as inline SVG (no library, nothing fetched):
 * one slot per kept run, oldest on the left. The upper band is the median
 * latency, a line that breaks where the proxy gave none; the lower band is
 * availability, where shape carries the verdict as much as colour does:
 * healthy runs stand up from the baseline, slow or outdated ones stand half
 * as tall, down or broken ones hang below it. Failing stretches are shaded
 * across the latency band too and carry a tooltip. Runs of the same verdict
 * are merged into one shape, so 500 runs stay a few kilobytes.
 *
 * The drawing stretches to any width (preserveAspectRatio none, strokes that
 * do not scale): no text inside, labels are HTML around it.
 */
export interface ChartRun {
  /** ms since the epoch. */
  at: number;
  verdict: ProxyVerdict;
  latencyMs: number | null;
}

export type Availability = 'up' | 'warn' | 'down';

export const AVAILABILITY: Record<ProxyVerdict, Availability> = {
  healthy: 'up',
  slow: 'warn',
  stale: 'warn',
  broken: 'down',
  down: 'down',
};

const HEIGHT = 100;
const LATENCY_TOP = 4;
const LATENCY_BOTTOM = 60;
const BASELINE = 82;
/** Where each kind of run is drawn: above, half above, or below the baseline. */
const BAR: Record<Availability, { y: number; h: number }> = {
  up: { y: 66, h: BASELINE - 66 },
  warn: { y: 74, h: BASELINE - 74 },
  down: { y: BASELINE, h: HEIGHT - BASELINE },
};
const WORDS: Record<Availability, string> = { up: 'healthy', warn: 'slow or outdated', down: 'down or broken' };

/** Runs of one availability, merged: [from, to) as run indices. */
interface Segment {
  kind: Availability;
  from: number;
  to: number;
}

function segments(runs: readonly ChartRun[]): Segment[] {
  const out: Segment[] = [];
  runs.forEach((run, i) => {
    const kind = AVAILABILITY[run.verdict] ?? 'down';
    const last = out[out.length - 1];
    if (last && last.kind === kind && last.to === i) last.to = i + 1;
    else out.push({ kind, from: i, to: i + 1 });
  });
  return out;
}

const num = (n: number) => String(Math.round(n * 10) / 10);

function segmentTitle(s: Segment, runs: readonly ChartRun[]): string {
  const first = runs[s.from] as ChartRun;
  const last = runs[s.to - 1] as ChartRun;
  const n = s.to - s.from;
  const span =
    n === 1
      ? utc(first.at)
      : new Date(first.at).toISOString().slice(0, 10) === new Date(last.at).toISOString().slice(0, 10)
        ? `${utc(first.at).replace(/ UTC$/, '')}–${utcClock(last.at)} UTC`
        : `${utc(first.at)} – ${utc(last.at)}`;
  return pageText(`${WORDS[s.kind]}: ${n} ${n === 1 ? 'run' : 'runs'}, ${span}`);
}

/** The latency line: one subpath per stretch of runs that had a latency, each point in the middle of its slot. */
function latencyPath(runs: readonly ChartRun[], capMs: number): string {
  const span = LATENCY_BOTTOM - LATENCY_TOP;
  const y = (ms: number) => num(LATENCY_BOTTOM - (span * Math.min(Math.max(ms, 0), capMs)) / capMs);
  let d = '';
  runs.forEach((run, i) => {
    const ms = run.latencyMs;
    if (ms === null || !Number.isFinite(ms)) return;
    const prev = runs[i - 1]?.latencyMs;
    const next = runs[i + 1]?.latencyMs;
    const joined = (v: number | null | undefined) => v !== null && v !== undefined && Number.isFinite(v);
    if (joined(prev)) d += `L${num(i + 0.5)} ${y(ms)}`;
    // A run alone between gaps is a short level stroke across its slot: a dot would vanish.
    else d += joined(next) ? `M${num(i + 0.5)} ${y(ms)}` : `M${num(i + 0.15)} ${y(ms)}H${num(i + 0.85)}`;
  });
  return d;
}

/** Vertical lines where a UTC day begins, when the runs span a few days to a few weeks. */
function dayTicks(runs: readonly ChartRun[]): string {
  const first = runs[0];
  const last = runs[runs.length - 1];
  if (!first || !last || last.at - first.at < 86_400_000 || last.at - first.at > 60 * 86_400_000) return '';
  let d = '';
  runs.forEach((run, i) => {
    const prev = runs[i - 1];
    if (prev && Math.floor(prev.at / 86_400_000) !== Math.floor(run.at / 86_400_000)) d += `M${i} 0V${HEIGHT}`;
  });
  return d ? `<path class="tick" d="${d}"/>` : '';
}

/** One proxy's chart; `label` is its accessible description (already plain text). */
export function proxyChart(runs: readonly ChartRun[], opts: { label: string; latencyCapMs: number }): string {
  const n = Math.max(1, runs.length);
  const segs = segments(runs);
  const shading = segs
    .filter((s) => s.kind !== 'up')
    .map((s) => `<rect class="shade-${s.kind}" x="${s.from}" y="0" width="${s.to - s.from}" height="${BASELINE}"/>`)
    .join('');
  const bars = segs
    .map((s) => {
      const { y, h } = BAR[s.kind];
      const rect = `x="${s.from}" y="${y}" width="${s.to - s.from}" height="${h}"`;
      // Failing stretches carry a tooltip; healthy ones are the quiet background.
      return s.kind === 'up'
        ? `<rect class="bar-up" ${rect}/>`
        : `<rect class="bar-${s.kind}" ${rect}><title>${segmentTitle(s, runs)}</title></rect>`;
    })
    .join('');
  const line = latencyPath(runs, opts.latencyCapMs);
  return [
    `<svg class="chart" viewBox="0 0 ${n} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${pageText(opts.label)}">`,
    shading,
    dayTicks(runs),
    `<path class="base" d="M0 ${BASELINE}H${n}"/>`,
    bars,
    line ? `<path class="lat" d="${line}"/>` : '',
    '</svg>',
  ].join('');
}

/** The legend's swatches: the same shapes the chart draws, at a size that reads. */
export function legendSwatch(kind: Availability | 'latency'): string {
  if (kind === 'latency')
    return '<svg class="swatch" viewBox="0 0 24 16" aria-hidden="true"><path class="lat" d="M1 12L8 6L15 9L23 3"/></svg>';
  const { y, h } = BAR[kind];
  // The chart's bands, scaled into a 16-high box around the same baseline.
  const top = ((y - 62) / 38) * 16;
  return `<svg class="swatch" viewBox="0 0 24 16" aria-hidden="true"><path class="base" d="M0 ${num(((BASELINE - 62) / 38) * 16)}H24"/><rect class="bar-${kind}" x="6" y="${num(top)}" width="12" height="${num((h / 38) * 16)}"/></svg>`;
}

/** A round upper bound for the latency axis, shared by every chart so their lines compare. */
export function latencyCap(latencies: readonly number[]): number {
  const sorted = latencies.filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  if (sorted.length === 0) return 100;
  // The 98th percentile: one freak answer must not flatten every line.
  const high = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.98))] as number;
  for (const step of [50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 30_000, 60_000]) if (high <= step) return step;
  return Math.ceil(high / 60_000) * 60_000;
}
