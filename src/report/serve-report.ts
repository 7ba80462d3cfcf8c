import { absorbedTotal, type ServeStats } from '../model/serve-stats.js';
import { mdDetails, mdText } from './escape.js';
import type { DocsLinks } from './docs-links.js';
import { kib, millis, NONE, plural } from './format.js';
import { renderTable } from './table.js';

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
  const saved =
    absorbed > 0
      ? `; ${absorbed} upstream failures absorbed, ${s.rescued} requests rescued by a retry, hedge, another upstream or the cache`
      : '';
  return `local proxy ${s.url}: ${parts.join(', ')}${saved}`;
}

const columns = [
  'upstream',
  'requests',
  'served',
  'retries',
  'hedges sent/won',
  'failures (absorbed)',
  'not found',
  'bytes',
  'p50',
  'p95',
  'failure kinds',
];

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
    millis(u.p50Ms),
    millis(u.p95Ms),
    kinds(u.failureKinds) || NONE,
  ]);
}

export function serveTable(s: ServeStats): string {
  return `${serveHeadline(s)}\n${renderTable(columns, rows(s))}`;
}

/** Per upstream that failed: "proxy.golang.org failed 4 of 4 requests; the local proxy absorbed them". */
export function absorbedWords(s: ServeStats): string[] {
  return s.upstreams
    .filter((u) => u.absorbed > 0)
    .map((u) => {
      const all = u.absorbed === u.failures;
      const absorbed = all
        ? 'the local proxy absorbed them'
        : `the local proxy absorbed ${u.absorbed}, the go command saw ${u.failures - u.absorbed}`;
      return `${u.url} failed ${u.failures} of ${plural(u.requests, 'request')}; ${absorbed}`;
    });
}

/**
 * The post step's one warning when the local proxy hid upstream failures:
 * the build passed, but an upstream is failing and someone should know.
 */
export function absorbedWarning(s: ServeStats): string | undefined {
  const words = absorbedWords(s);
  return words.length === 0 ? undefined : `${words.join('; ')}.`;
}

/** Verdict, cause, action: the same three lines as the run's summary. */
function serveTop(s: ServeStats): { icon: string; title: string; cause: string; action: string } {
  const absorbed = absorbedTotal(s);
  const words = absorbedWords(s);
  if (s.failed > 0) {
    return {
      icon: '❌',
      title: `failed ${s.failed} of ${plural(s.requests, 'request')} at every upstream`,
      cause: `${words.length > 0 ? `${words.join('; ')}; ` : ''}${plural(s.failed, 'request')} found no upstream and nothing in the module cache, so the go command fell back to the chain.`,
      action: 'Check the failing upstreams; the requests that failed are listed below.',
    };
  }
  if (absorbed > 0) {
    return {
      icon: '⚠️',
      title: `absorbed ${plural(absorbed, 'upstream failure')}`,
      cause: `${words.join('; ')}.`,
      action: 'Nothing to do for this build: the go command got every answer. If it keeps happening, fix or replace the failing upstream.',
    };
  }
  return {
    icon: '✅',
    title: `served ${plural(s.requests, 'request')}, no upstream failure`,
    cause: `${s.served} served by upstreams${s.fromCache ? `, ${s.fromCache} from the module cache` : ''}${s.notFound ? `, ${s.notFound} not found anywhere` : ''}.`,
    action: 'Nothing to do.',
  };
}

const SERVE_COLUMNS = ['upstream', 'requests', 'served', 'failures absorbed', 'p50', 'failure kinds'];

/** The serve summary (job summary, serve.md): every piece of text escaped, since upstream error text lands here. */
export function serveMarkdown(s: ServeStats, docs: DocsLinks): string {
  const top = serveTop(s);
  const cell = (c: string) => mdText(c, 200);
  const lines = [
    `### ${top.icon} go-proxy-guard: local proxy ${mdText(top.title)}`,
    '',
    mdText(top.cause, 600),
    '',
    `**What to do:** ${mdText(top.action)}`,
    '',
    `| ${SERVE_COLUMNS.join(' | ')} |`,
    '|---|--:|--:|--:|--:|---|',
    ...s.upstreams.map(
      (u) =>
        `| ${[cell(u.url), String(u.requests), String(u.served), u.failures === 0 ? NONE : `${u.absorbed} of ${u.failures}`, millis(u.p50Ms), cell(kinds(u.failureKinds) || NONE)].join(' | ')} |`,
    ),
    '',
    ...mdDetails('Retries, hedges, bytes and p95', [
      `A [hedge](${docs.localProxy}) asks the next upstream too when the first is slower than its usual p95; the first good answer wins.`,
      '',
      '| upstream | retries | hedges sent | hedges won | bytes | p95 |',
      '|---|--:|--:|--:|--:|--:|',
      ...s.upstreams.map(
        (u) =>
          `| ${[cell(u.url), String(u.retries), String(u.hedgesSent), String(u.hedgesWon), kib(u.bytes), millis(u.p95Ms)].join(' | ')} |`,
      ),
    ]),
  ];
  if (s.recentFailures.length > 0) {
    lines.push(
      '',
      ...mdDetails(
        'Requests no upstream could answer',
        s.recentFailures.map((f) => `- ${mdText(f, 300)}`),
      ),
    );
  }
  if (s.stopReason) lines.push('', `Local proxy: ${mdText(s.stopReason, 300)}.`);
  return `${lines.join('\n')}\n`;
}
