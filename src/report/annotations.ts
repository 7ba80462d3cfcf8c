import type { RunReport } from '../model/run-report.js';
import { clip, scrubCredentials } from './escape.js';
import { chainedProxies, proxyAdvice } from './explain.js';
import { plural } from './format.js';
import { headline } from './headline.js';

export interface Annotation {
  level: 'warning' | 'error';
  title: string;
  message: string;
}

/** An annotation is a pointer to the summary, not a log: long go output is cut. */
const MESSAGE_CHARS = 4000;
const TITLE_CHARS = 200;
/** Proxies named one per line in the grouped annotation; the rest are counted. */
const PROXIES_LISTED = 20;

/**
 * The annotations a degraded or failed run shows on the run page, at most
 * two: the run's verdict with its cause and action (with the go command's own
 * words when the download failed), and one listing every proxy that could not
 * be used, not one per proxy.
 */
export function annotationsFor(report: RunReport): Annotation[] {
  if (report.verdict === 'healthy') return [];
  const h = headline(report);
  const level = report.verdict === 'failed' ? 'error' : 'warning';
  const all: Annotation[] = [];
  const said =
    report.warm?.ladderStep === 'failed' && report.warm.diagnosis?.goMessage
      ? `\n\nThe go command said: ${report.warm.diagnosis.goMessage}`
      : '';
  all.push({ level, title: `Go modules: ${h.title}`, message: `${h.cause} ${h.action}${said}` });
  const bad = report.proxies.filter((p) => p.verdict !== 'healthy');
  if (bad.length > 0) {
    const chained = chainedProxies(report);
    const lines = bad.slice(0, PROXIES_LISTED).map((p) => `- ${proxyAdvice(p, chained.has(p.url)) ?? `${p.url}: ${p.verdict}`}`);
    if (bad.length > PROXIES_LISTED) lines.push(`- and ${bad.length - PROXIES_LISTED} more`);
    all.push({
      level,
      title: `Go proxies: ${bad.length} of ${plural(report.proxies.length, 'proxy', 'proxies')} failing`,
      message: lines.join('\n'),
    });
  }
  return all.map((a) => ({
    level: a.level,
    title: clip(scrubCredentials(a.title).replace(/\s+/g, ' '), TITLE_CHARS),
    message: clip(scrubCredentials(a.message), MESSAGE_CHARS),
  }));
}
