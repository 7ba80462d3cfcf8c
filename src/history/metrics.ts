import type { Verdict } from '../model/verdict.js';
import type { RunContext } from '../model/run-context.js';
import type { RunReport } from '../model/run-report.js';
import type { LadderStep } from '../model/ladder.js';
import type { CacheHit } from '../model/cache-hit.js';

/**
 * Per-run figures for tools outside CI: a CSV that grows one block of rows
 * per run (spreadsheets, pandas), or an OpenMetrics text file holding the
 * latest run (node_exporter's textfile collector, a Pushgateway).
 */

export const CSV_COLUMNS = [
  'timestamp',
  'repository',
  'workflow',
  'run_id',
  'proxy',
  'verdict',
  'score',
  'score_success',
  'score_latency',
  'score_cert',
  'p50_ms',
  'p95_ms',
  'success_rate',
  'tls_days_left',
  'run_verdict',
  'ladder_step',
  'download_ms',
  'cache_hit',
] as const;

export const CSV_HEADER = CSV_COLUMNS.join(',');

/** One row per proxy of this run, without the header (see CSV_HEADER). Empty fields are unknown values. */
export function metricsCsvRows(report: RunReport, ctx: RunContext): string[] {
  const at = ctx.at.toISOString();
  return report.proxies.map((p) =>
    [
      at,
      ctx.repository,
      ctx.workflow,
      ctx.runId,
      p.url,
      p.verdict,
      p.score,
      p.parts.success,
      p.parts.latency,
      p.parts.cert,
      p.latencyMs.p50,
      p.latencyMs.p95,
      p.successRate,
      p.tlsDaysLeft,
      report.verdict,
      report.warm?.ladderStep,
      report.warm?.downloadMs,
      report.warm?.cacheHit,
    ]
      .map(csvField)
      .join(','),
  );
}

/** Header and one row per proxy, each line ending in a newline. */
export function metricsCsv(report: RunReport, ctx: RunContext): string {
  return [CSV_HEADER, ...metricsCsvRows(report, ctx)].map((line) => `${line}\n`).join('');
}

/** RFC 4180: quote a field holding a comma, a quote or a line break, doubling its quotes. */
function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const PREFIX = 'go_proxy_guard';
const VERDICTS: Verdict[] = ['healthy', 'degraded', 'failed'];
const LADDER_STEPS: LadderStep[] = ['proxy', 'retry', 'direct', 'cache', 'vendor', 'failed'];
const CACHE_HITS: CacheHit[] = ['exact', 'partial', 'none'];

interface Family {
  name: string;
  type: 'gauge' | 'info';
  help: string;
  unit?: string;
  samples: { labels: Record<string, string>; value: number }[];
}

/**
 * This run's figures in the OpenMetrics text format. Run-level states are
 * written as one gauge per possible value (1 for the current one, 0 for the
 * others) so a query never sees a stale series from an earlier run.
 */
export function metricsOpenMetrics(report: RunReport, ctx: RunContext): string {
  const families = [...runFamilies(report, ctx), ...proxyFamilies(report), ...(report.warm ? warmFamilies(report.warm) : [])];
  return families.map(renderFamily).join('') + '# EOF\n';
}

/** The run: where, when, and its verdict. */
function runFamilies(report: RunReport, ctx: RunContext): Family[] {
  return [
    {
      name: `${PREFIX}_run`,
      type: 'info',
      help: 'Where the run happened.',
      samples: [
        {
          labels: {
            platform: ctx.platform,
            repository: ctx.repository ?? '',
            workflow: ctx.workflow ?? '',
            run_id: ctx.runId ?? '',
            event: ctx.event ?? '',
          },
          value: 1,
        },
      ],
    },
    {
      name: `${PREFIX}_run_timestamp_seconds`,
      type: 'gauge',
      unit: 'seconds',
      help: 'When the run happened, in Unix seconds.',
      samples: [{ labels: {}, value: ctx.at.getTime() / 1000 }],
    },
    {
      name: `${PREFIX}_run_verdict`,
      type: 'gauge',
      help: 'The run verdict: 1 for the current one, 0 for the others.',
      samples: VERDICTS.map((v) => ({ labels: { verdict: v }, value: v === report.verdict ? 1 : 0 })),
    },
    {
      name: `${PREFIX}_healthy_proxies`,
      type: 'gauge',
      help: 'How many proxies reached min-score.',
      samples: [{ labels: {}, value: report.healthyCount }],
    },
  ];
}

/** One series per probed proxy: its score, the score's parts, latency, success and certificate. */
function proxyFamilies(report: RunReport): Family[] {
  const proxy = (url: string) => ({ proxy: url });
  return [
    {
      name: `${PREFIX}_proxy_score`,
      type: 'gauge',
      help: 'Health score of the proxy (0..1).',
      samples: report.proxies.map((p) => ({ labels: { proxy: p.url, verdict: p.verdict }, value: p.score })),
    },
    {
      name: `${PREFIX}_proxy_score_part`,
      type: 'gauge',
      help: 'The parts of the health score (0..1): success, latency and certificate.',
      samples: report.proxies.flatMap((p) =>
        (['success', 'latency', 'cert'] as const).map((part) => ({ labels: { proxy: p.url, part }, value: p.parts[part] })),
      ),
    },
    {
      name: `${PREFIX}_proxy_latency_p50_seconds`,
      type: 'gauge',
      unit: 'seconds',
      help: 'Median latency of successful probe requests.',
      samples: report.proxies.flatMap((p) => (p.latencyMs.p50 === null ? [] : [{ labels: proxy(p.url), value: p.latencyMs.p50 / 1000 }])),
    },
    {
      name: `${PREFIX}_proxy_latency_p95_seconds`,
      type: 'gauge',
      unit: 'seconds',
      help: '95th percentile latency of successful probe requests.',
      samples: report.proxies.flatMap((p) => (p.latencyMs.p95 === null ? [] : [{ labels: proxy(p.url), value: p.latencyMs.p95 / 1000 }])),
    },
    {
      name: `${PREFIX}_proxy_success_ratio`,
      type: 'gauge',
      unit: 'ratio',
      help: 'Fraction of probe requests that succeeded.',
      samples: report.proxies.map((p) => ({ labels: proxy(p.url), value: p.successRate })),
    },
    {
      name: `${PREFIX}_proxy_tls_days_left`,
      type: 'gauge',
      help: 'Days until the proxy certificate expires (absent for plain HTTP).',
      samples: report.proxies.flatMap((p) => (p.tlsDaysLeft === null ? [] : [{ labels: proxy(p.url), value: p.tlsDaysLeft }])),
    },
  ];
}

/** The warm-up: the rung that ended it, the cache result, and what it fetched. */
function warmFamilies(warm: NonNullable<RunReport['warm']>): Family[] {
  return [
    {
      name: `${PREFIX}_ladder_step`,
      type: 'gauge',
      help: 'The rung of the degradation ladder that ended the warm-up: 1 for it, 0 for the others.',
      samples: LADDER_STEPS.map((s) => ({ labels: { step: s }, value: s === warm.ladderStep ? 1 : 0 })),
    },
    {
      name: `${PREFIX}_cache_hit`,
      type: 'gauge',
      help: 'The CI cache result: 1 for it, 0 for the others.',
      samples: CACHE_HITS.map((h) => ({ labels: { hit: h }, value: h === warm.cacheHit ? 1 : 0 })),
    },
    {
      name: `${PREFIX}_download_seconds`,
      type: 'gauge',
      unit: 'seconds',
      help: 'Time spent warming the module cache.',
      samples: [{ labels: {}, value: warm.downloadMs / 1000 }],
    },
    {
      name: `${PREFIX}_modules_downloaded`,
      type: 'gauge',
      help: 'Modules fetched over the network this run.',
      samples: [{ labels: {}, value: warm.downloaded.length }],
    },
    {
      name: `${PREFIX}_build_list_modules`,
      type: 'gauge',
      help: 'Modules in the build list.',
      samples: [{ labels: {}, value: warm.buildList }],
    },
  ];
}

function renderFamily(f: Family): string {
  const lines = [`# TYPE ${f.name} ${f.type}`];
  if (f.unit) lines.push(`# UNIT ${f.name} ${f.unit}`);
  lines.push(`# HELP ${f.name} ${escapeText(f.help)}`);
  // An info family's samples carry the _info suffix; a gauge's carry the family name.
  const sample = f.type === 'info' ? `${f.name}_info` : f.name;
  for (const s of f.samples) lines.push(`${sample}${renderLabels(s.labels)} ${renderNumber(s.value)}`);
  return lines.map((l) => `${l}\n`).join('');
}

function renderLabels(labels: Record<string, string>): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeText(v)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** The escapes OpenMetrics allows in label values and HELP text: backslash, double quote, newline. */
export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r?\n|\r/g, '\\n');
}

function renderNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}
