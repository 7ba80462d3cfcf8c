import type { ProxyHealth } from '../model/verdict.js';
import { isUsable, proxyProblem } from './explain.js';
import { millis, NONE, percent } from './format.js';

/** The ranked proxies as a plain-text table for the log; a proxy that cannot be used shows no score and no certificate. */
export function proxyTable(ranked: ProxyHealth[]): string {
  const header = ['#', 'proxy', 'verdict', 'p50', 'p95', 'success', 'score', 'TLS days', 'reason'];
  const rows = ranked.map((p, i) => {
    const usable = isUsable(p);
    return [
      String(i + 1),
      p.url,
      p.verdict,
      millis(p.latencyMs.p50),
      millis(p.latencyMs.p95),
      percent(p.successRate),
      usable ? p.score.toFixed(2) : NONE,
      usable && p.tlsDaysLeft !== null ? String(p.tlsDaysLeft) : NONE,
      p.verdict === 'healthy' ? '' : proxyProblem(p),
    ];
  });
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
