import { outagesOf, proxyTimelines, type Outage } from '../../history/history.js';
import type { ProxyStatus, StatusDocument } from '../../history/status.js';
import type { ProxyVerdict } from '../../model/verdict.js';
import { latencyCap, type ChartRun } from './chart.js';

/** At most this many outages are listed (newest first); older ones still count in MTTR. */
export const OUTAGES_LISTED = 50;

/** One proxy as the page shows it: now (when the newest run probed it) and over the kept runs. */
export interface ProxyView {
  url: string;
  /** Undefined when the newest run did not probe it (an override replaced it, or it left the candidates). */
  now: ProxyStatus | undefined;
  runs: ChartRun[];
  healthyRuns: number;
  outages: Outage[];
  lastFailureAt: number | undefined;
  mttrMs: number | undefined;
  medianLatencyMs: number | undefined;
}

export interface PageView {
  doc: StatusDocument;
  /** The moment relative times are counted from: when the document was generated. */
  now: number;
  firstRunAt: number | undefined;
  proxies: ProxyView[];
  /** Every outage of every proxy, newest first. */
  outages: Outage[];
  mttrMs: number | undefined;
  repaired: number;
  lastFailure: { at: number; url: string } | undefined;
  latencyCapMs: number;
  /** Older than this, the page says the checks may have stopped: three usual intervals between runs, at least an hour. */
  staleAfterMs: number | undefined;
}

const mean = (xs: number[]) => (xs.length === 0 ? undefined : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length));

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Everything the page draws, computed once from the document (pure). */
export function pageView(doc: StatusDocument): PageView {
  const now = Date.parse(doc.generatedAt);
  const runs = doc.runs ?? [];
  const timelines = proxyTimelines(runs);
  const urls = [...doc.proxies.map((p) => p.url), ...[...timelines.keys()].filter((u) => !doc.proxies.some((p) => p.url === u))];
  const proxies = urls.map((url): ProxyView => {
    const line = timelines.get(url) ?? [];
    const outages = outagesOf(line, now);
    const repairs = outages.filter((o) => o.end !== undefined).map((o) => o.durationMs);
    let lastFailureAt: number | undefined;
    for (const e of line) if (e.record.verdict !== 'healthy') lastFailureAt = e.at;
    const latencies = line.flatMap((e) => (e.record.latencyP50Ms === null ? [] : [e.record.latencyP50Ms]));
    return {
      url,
      now: doc.proxies.find((p) => p.url === url),
      runs: line.map((e) => ({ at: e.at, verdict: e.record.verdict as ProxyVerdict, latencyMs: e.record.latencyP50Ms })),
      healthyRuns: line.filter((e) => e.record.verdict === 'healthy').length,
      outages,
      lastFailureAt,
      mttrMs: mean(repairs),
      medianLatencyMs: median(latencies),
    };
  });
  const outages = proxies.flatMap((p) => p.outages).sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
  const repairs = outages.filter((o) => o.end !== undefined).map((o) => o.durationMs);
  const last = proxies.filter((p) => p.lastFailureAt !== undefined).sort((a, b) => (b.lastFailureAt ?? 0) - (a.lastFailureAt ?? 0))[0];
  const times = runs.map((r) => Date.parse(r.at)).filter((t) => !Number.isNaN(t));
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
  const usual = median(gaps.filter((g) => g > 0));
  return {
    doc,
    now,
    firstRunAt: times[0],
    proxies,
    outages,
    mttrMs: mean(repairs),
    repaired: repairs.length,
    lastFailure: last ? { at: last.lastFailureAt as number, url: last.url } : undefined,
    latencyCapMs: latencyCap(proxies.flatMap((p) => p.runs.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs])))),
    staleAfterMs: usual === undefined ? undefined : Math.max(3_600_000, 3 * usual),
  };
}
