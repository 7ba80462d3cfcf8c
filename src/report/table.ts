import type { ProxyHealth } from '../health/proxy-health.js';

const fmt = (n: number | null, unit = '') => (n === null ? '-' : `${n}${unit}`);

/** The ranked proxies as a plain-text table for the log. */
export function proxyTable(ranked: ProxyHealth[]): string {
  const header = ['#', 'proxy', 'score', 'S/R/C', 'p50', 'p95', 'success', 'TLS days', 'verdict', 'reason'];
  const rows = ranked.map((p, i) => [
    String(i + 1),
    p.url,
    p.score.toFixed(2),
    `${p.parts.success.toFixed(2)}/${p.parts.latency.toFixed(2)}/${p.parts.cert.toFixed(1)}`,
    fmt(p.latencyMs.p50, 'ms'),
    fmt(p.latencyMs.p95, 'ms'),
    `${Math.round(p.successRate * 100)}%`,
    fmt(p.tlsDaysLeft),
    p.verdict,
    p.failure?.message ?? '',
  ]);
  return renderTable(header, rows);
}

export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c] as number)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
