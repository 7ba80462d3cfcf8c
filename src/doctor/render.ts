import type { Styles } from '../report/styles.js';
import type { CheckStatus } from './checks.js';
import type { DoctorReport } from './doctor.js';

const LABEL: Record<CheckStatus, string> = { ok: 'ok', info: 'info', warn: 'warn', fail: 'FAIL' };

/** The doctor's findings for a person: one line per check, its explanation and fix indented under it. */
export function renderDoctor(report: DoctorReport, styles: Styles): string {
  const paint: Record<CheckStatus, (s: string) => string> = { ok: styles.green, info: styles.dim, warn: styles.yellow, fail: styles.red };
  const idWidth = Math.max(...report.checks.map((c) => c.id.length));
  const indent = ' '.repeat(6 + idWidth + 2);
  const lines = [styles.bold(`==> go-proxy-guard doctor: ${report.root}`)];
  for (const c of report.checks) {
    lines.push(`${paint[c.status](LABEL[c.status].padEnd(6))}${c.id.padEnd(idWidth + 2)}${c.summary}`);
    for (const d of c.details) lines.push(`${indent}${d}`);
    if (c.fix) lines.push(`${indent}${styles.bold('fix:')} ${c.fix}`);
  }
  const n = (s: CheckStatus) => report.checks.filter((c) => c.status === s).length;
  const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  lines.push(`doctor: ${plural(n('fail'), 'failure')}, ${plural(n('warn'), 'warning')}`);
  return `${lines.join('\n')}\n`;
}

export const doctorFailed = (report: DoctorReport): boolean => report.checks.some((c) => c.status === 'fail');
