import { absorbedTotal, type ServeStats } from '../serve/serve-stats.js';
import { renderTable } from './table.js';

/** In the JSON report: where the local proxy ran, and (after the post step) what it did. */
export interface ServeReport {
  url: string;
  upstreams: string[];
  stats?: ServeStats;
}

const kib = (bytes: number) => (bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`);
const ms = (n: number | null) => (n === null ? '-' : `${n}ms`);
const kinds = (k: Record<string, number>) =>
  Object.entries(k)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');

/** One sentence a reader takes away. */
export function serveHeadline(s: ServeStats): string {
  const absorbed = absorbedTotal(s);
  const parts = [`${s.requests} requests from the go command`, `${s.served} served by upstreams`];
  if (s.fromCache) parts.push(`${s.fromCache} from the module cache`);
  if (s.notFound) parts.push(`${s.notFound} not found`);
  if (s.refused) parts.push(`${s.refused} refused`);
  parts.push(`${s.failed} failed`);
  const saved = absorbed > 0 ? `; ${absorbed} upstream failures absorbed, ${s.rescued} requests rescued by a retry, hedge, another upstream or the cache` : '';
  return `local proxy ${s.url}: ${parts.join(', ')}${saved}`;
}

const columns = ['upstream', 'requests', 'served', 'retries', 'hedges sent/won', 'failures (absorbed)', 'not found', 'bytes', 'p50', 'p95', 'failure kinds'];

function rows(s: ServeStats): string[][] {
  return s.upstreams.map((u) => [
    u.url,
    String(u.requests),
    String(u.served),
    String(u.retries),
    `${u.hedgesSent}/${u.hedgesWon}`,
    `${u.failures} (${u.absorbed})`,
    String(u.notFound),
    kib(u.bytes),
    ms(u.p50Ms),
    ms(u.p95Ms),
    kinds(u.failureKinds),
  ]);
}

export function serveTable(s: ServeStats): string {
  return `${serveHeadline(s)}\n${renderTable(columns, rows(s))}`;
}

export function serveMarkdown(s: ServeStats): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  const lines = [
    '### go-proxy-guard: local proxy',
    '',
    `${serveHeadline(s)}.`,
    '',
    `| ${columns.join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 || i === columns.length - 1 ? '---' : '--:')).join('|')}|`,
    ...rows(s).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  if (s.recentFailures.length > 0) {
    lines.push('', '<details><summary>Requests no upstream could answer</summary>', '', ...s.recentFailures.map((f) => `- ${esc(f)}`), '', '</details>');
  }
  if (s.stopReason) lines.push('', `Stopped: ${s.stopReason}.`);
  return `${lines.join('\n')}\n`;
}
