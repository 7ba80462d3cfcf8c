import { parseGoproxy, proxyUrls } from '../goproxy/chain.js';
import type { RunReport } from './run-report.js';
import { failedLadderAdvice, proxyAdvice, rescueAdvice, scrubCredentials } from './summary.js';

export interface Annotation {
  level: 'warning' | 'error';
  title: string;
  message: string;
}

/** GitHub shows at most 10 warnings and 10 errors per step and drops the rest without a word. */
export const ANNOTATIONS_PER_LEVEL = 10;
/** An annotation is a pointer to the summary, not a log: long go output is cut. */
const MESSAGE_CHARS = 4000;
const TITLE_CHARS = 200;

/**
 * The annotations a degraded or failed run shows on the run page: the failed
 * ladder first (with the go command's own words), then one per proxy that is
 * not healthy, best ranked first. Past the per-step limit, the rest of a level
 * is summed up in its last annotation so none is lost silently.
 */
export function annotationsFor(report: RunReport): Annotation[] {
  if (report.verdict === 'healthy') return [];
  const all: Annotation[] = [];
  const warm = report.warm;
  if (warm?.ladderStep === 'failed') {
    const d = warm.diagnosis;
    const said = d?.goMessage ? `\n\n${d.goMessage}` : '';
    all.push({ level: 'error', title: 'Go module download failed', message: `${failedLadderAdvice(warm).join('\n')}${said}` });
  } else if (warm && warm.ladderStep !== 'proxy') {
    all.push({ level: 'warning', title: `Go modules: the ${warm.ladderStep} rung saved the job`, message: rescueAdvice(warm, report) });
  }
  // Without any usable proxy the run has failed, and each dead proxy is part of the error.
  const proxyLevel = report.verdict === 'failed' ? 'error' : 'warning';
  const chained = new Set(proxyUrls(parseGoproxy(report.goproxy)));
  for (const p of report.proxies) {
    if (p.verdict === 'healthy') continue;
    all.push({ level: proxyLevel, title: `Go proxy ${p.verdict}: ${p.url}`, message: proxyAdvice(p, chained.has(p.url)) ?? p.verdict });
  }
  const capped = [...capLevel(all, 'error'), ...capLevel(all, 'warning')];
  return capped.map((a) => ({ level: a.level, title: clip(scrubCredentials(a.title).replace(/\s+/g, ' '), TITLE_CHARS), message: clip(scrubCredentials(a.message), MESSAGE_CHARS) }));
}

function capLevel(all: Annotation[], level: Annotation['level']): Annotation[] {
  const mine = all.filter((a) => a.level === level);
  if (mine.length <= ANNOTATIONS_PER_LEVEL) return mine;
  const kept = mine.slice(0, ANNOTATIONS_PER_LEVEL - 1);
  const rest = mine.slice(kept.length);
  return [...kept, { level, title: `${rest.length} more Go proxy problems`, message: rest.map((a) => a.title).join('\n') }];
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
