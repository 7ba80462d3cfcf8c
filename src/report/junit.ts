import type { ProxyHealth } from '../model/verdict.js';
import type { RungRecord } from '../model/ladder.js';
import { xmlAttr, xmlText } from './escape.js';
import { isUsable } from './explain.js';
import { millis, NONE, percent } from './format.js';
import type { RunReport } from '../model/run-report.js';

export { xmlAttr, xmlText };

/**
 * The run as a JUnit document, so a CI test widget (GitLab's merge request
 * widget, any JUnit viewer) lists what failed: one test case per proxy
 * (failing unless healthy) and one per rung of the degradation ladder
 * (failing when it failed, skipped when it was skipped).
 *
 * Test case names stay stable from run to run (the proxy URL; the rung's
 * position and step) because CI tools compare them across pipelines.
 */
export function junitXml(report: RunReport): string {
  const suites = [proxySuite(report)];
  if (report.warm) suites.push(ladderSuite(report, report.warm.ladder));
  const sum = (k: 'tests' | 'failures' | 'skipped') => suites.reduce((n, s) => n + s[k], 0);
  const seconds = suites.reduce((n, s) => n + s.seconds, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="go-proxy-guard" tests="${sum('tests')}" failures="${sum('failures')}" errors="0" skipped="${sum('skipped')}" time="${secs(seconds)}">`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

interface Case {
  name: string;
  classname: string;
  seconds: number;
  failure?: { message: string; type: string; body: string };
  skipped?: string;
  out?: string;
}

interface Suite {
  xml: string;
  tests: number;
  failures: number;
  skipped: number;
  seconds: number;
}

function proxySuite(report: RunReport): Suite {
  const cases = report.proxies.map((p): Case => {
    const details = proxyDetails(p);
    if (p.verdict === 'healthy') return { name: p.url, classname: 'go-proxy-guard.proxies', seconds: p.probeMs / 1000, out: details };
    return {
      name: p.url,
      classname: 'go-proxy-guard.proxies',
      seconds: p.probeMs / 1000,
      failure: {
        message: `${p.verdict}: ${p.failure?.message ?? `score ${p.score.toFixed(2)} is below min-score`}`,
        type: p.failure?.code ?? p.verdict,
        body: details,
      },
    };
  });
  return suite('proxies', report.generatedAt, cases);
}

function ladderSuite(report: RunReport, rungs: RungRecord[]): Suite {
  const cases = rungs.map((r, i): Case => {
    const base = { name: `rung ${i + 1}: ${r.step}`, classname: 'go-proxy-guard.ladder', seconds: r.ms / 1000 };
    if (r.outcome === 'skipped') return { ...base, skipped: r.reason };
    const body = [r.detail, r.diagnosis?.goMessage].filter(Boolean).join('\n');
    if (r.outcome === 'failed') return { ...base, failure: { message: r.reason, type: r.diagnosis?.code ?? r.step, body } };
    return { ...base, out: [r.detail, r.reason].filter(Boolean).join('\n') };
  });
  return suite('ladder', report.generatedAt, cases);
}

/** A proxy that cannot be used gets no score and no certificate figures: they would only mislead. */
function proxyDetails(p: ProxyHealth): string {
  const usable = isUsable(p);
  return [
    ...(usable
      ? [
          `score ${p.score.toFixed(2)}: success ${p.parts.success.toFixed(2)}, latency ${p.parts.latency.toFixed(2)}, cert ${p.parts.cert.toFixed(2)}`,
        ]
      : []),
    `latency p50 ${millis(p.latencyMs.p50)}, p95 ${millis(p.latencyMs.p95)}; success ${percent(p.successRate)} of ${p.requests} requests`,
    `statuses ${
      Object.entries(p.statuses)
        .map(([k, n]) => `${k}x${n}`)
        .join(' ') || NONE
    }`,
    ...(usable ? [`TLS days left ${p.tlsDaysLeft ?? NONE}`] : []),
    ...(p.stale.length ? [`lacks ${p.stale.join(', ')}`] : []),
  ].join('\n');
}

function suite(name: string, timestamp: string, cases: Case[]): Suite {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const seconds = cases.reduce((n, c) => n + c.seconds, 0);
  const head = `  <testsuite name="${attr(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(seconds)}" timestamp="${attr(timestamp.replace(/Z$/, ''))}">`;
  return { xml: [head, ...cases.map(testCase), '  </testsuite>'].join('\n'), tests: cases.length, failures, skipped, seconds };
}

function testCase(c: Case): string {
  const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="${secs(c.seconds)}"`;
  const inner: string[] = [];
  if (c.failure)
    inner.push(`      <failure message="${attr(c.failure.message)}" type="${attr(c.failure.type)}">${text(c.failure.body)}</failure>`);
  if (c.skipped !== undefined) inner.push(`      <skipped message="${attr(c.skipped)}"/>`);
  if (c.out) inner.push(`      <system-out>${text(c.out)}</system-out>`);
  return inner.length === 0 ? `${open}/>` : [`${open}>`, ...inner, '    </testcase>'].join('\n');
}

const secs = (s: number) => (Number.isFinite(s) && s > 0 ? s.toFixed(3) : '0.000');

const text = xmlText;
const attr = xmlAttr;
