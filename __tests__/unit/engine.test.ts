/**
 * The engine's pure parts, with tables: report assembly, outputs, the gate's
 * input, the module cache save decision, and what the config records of the
 * inputs as given.
 */
import { planModuleCacheSave } from '../../src/cache/module-cache-save.js';
import { buildConfig, type Config } from '../../src/config/config.js';
import { OUTPUTS, type InputName } from '../../src/config/inputs.js';
import { assembleReport, overallVerdict, type ReportParts } from '../../src/engine/assemble-report.js';
import { decideGate, gateInputOf } from '../../src/engine/gate.js';
import { chainDecisions } from '../../src/engine/chain-decisions.js';
import { outputsOf } from '../../src/engine/outputs.js';
import { localFirst, parseGoproxy, withoutCredentials } from '../../src/goproxy/chain.js';
import { shownExport } from '../../src/engine/export-stage.js';
import { stragglerWaitMs, type ProbeOutcome } from '../../src/engine/probe-stage.js';
import type { Project } from '../../src/project/discover.js';
import { adviceFor } from '../../src/report/summary.js';
import { AT, failingProxy, healthyProxy, rung, runReport, warmReport } from './fixtures/report.js';

const inputs = (values: Partial<Record<InputName, string>>) => (name: InputName) => values[name];
const config = (values: Partial<Record<InputName, string>> = {}): Config => buildConfig(inputs(values), '/work/project');

const project: Project = {
  root: '/work/project',
  layout: 'module',
  modules: [{ dir: '/work/project', path: 'example.com/app', goMod: '/work/project/go.mod', goSum: '/work/project/go.sum' }],
  goWork: undefined,
  sumFiles: ['/work/project/go.sum'],
  requirements: [
    { path: 'example.com/beta', version: 'v0.2.0', private: false },
    { path: 'corp.example/secret', version: 'v1.0.0', private: true },
  ] as Project['requirements'],
  vendorDir: undefined,
  explicitRequirements: true,
};

function probeOutcome(over: Partial<ProbeOutcome> = {}): ProbeOutcome {
  const ranked = over.ranked ?? [
    healthyProxy('https://user:pw@a.example'),
    failingProxy('https://b.example', 'down', 'refused', 'connection refused'),
  ];
  return {
    candidates: ranked.map((p) => p.url),
    ranked,
    chain: [{ kind: 'proxy', url: 'https://user:pw@a.example', fallBackOnError: true }, { kind: 'direct' }] as ProbeOutcome['chain'],
    verdict: 'degraded',
    healthy: ranked.filter((p) => p.verdict === 'healthy'),
    probed: ['example.com/beta@v0.2.0'],
    durationMs: 900,
    notes: ['probe note'],
    fit: { samples: 3, concurrency: 4 } as ProbeOutcome['fit'],
    ...over,
  };
}

const shown = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');

function parts(over: Partial<ReportParts> = {}): ReportParts {
  return {
    config: config(),
    goEnv: { GOVERSION: 'go1.19', GOSUMDB: 'off' },
    userChain: parseGoproxy('https://proxy.golang.org,direct'),
    project,
    probe: probeOutcome(),
    end: 'direct',
    warm: warmReport(),
    warmNotes: ['warm note'],
    serve: { url: undefined, note: undefined },
    exported: shownExport(probeOutcome().chain, undefined, shown),
    build: undefined,
    override: undefined,
    shown,
    generatedAt: AT,
    ...over,
  };
}

describe('report assembly is a pure function of what the stages returned', () => {
  test('URLs are shown masked, notes come in the order the run found them, private modules are named', () => {
    const r = assembleReport(parts({ serve: { url: undefined, note: 'serve note' } }));
    expect(r.generatedAt).toBe(AT.toISOString());
    expect(r.proxies.map((p) => p.url)).toEqual(['https://***@a.example', 'https://b.example']);
    expect(r.goproxy).toBe('https://***@a.example|direct');
    expect(r.exportedGoproxy).toBe(r.goproxy);
    // Beside each string, the chain's entries: what tools read instead of splitting on "," and "|".
    expect(r.chain).toEqual([{ kind: 'proxy', url: 'https://***@a.example', fallBackOnError: true }, { kind: 'direct' }]);
    expect(r.exportedChain).toEqual(r.chain);
    expect(r.go.chain).toEqual([{ kind: 'proxy', url: 'https://proxy.golang.org', fallBackOnError: false }, { kind: 'direct' }]);
    expect(r.bestProxy).toBe('https://***@a.example');
    expect(r.project.private).toEqual(['corp.example/secret']);
    expect(r.notes).toEqual(['probe note', 'warm note', 'serve note', 'private modules served by direct: corp.example/secret']);
    expect(r.serve).toBeUndefined();
  });

  test('the same parts give the same report', () => {
    expect(assembleReport(parts())).toEqual(assembleReport(parts()));
  });

  test('with the local proxy: its origin only, never its access token; the chain after it as later steps get it (credentials in NETRC)', () => {
    const local = 'http://127.0.0.1:4321/SECRETTOKEN';
    const exported = shownExport(localFirst(local, withoutCredentials(probeOutcome().chain)), local, shown);
    const r = assembleReport(parts({ serve: { url: local, note: undefined }, exported }));
    expect(r.exportedGoproxy).toBe('http://127.0.0.1:4321/…|https://a.example|direct');
    expect(r.exportedChain[0]).toEqual({ kind: 'proxy', url: 'http://127.0.0.1:4321/…', fallBackOnError: true });
    expect(r.serve).toEqual({ url: 'http://127.0.0.1:4321', upstreams: ['https://***@a.example'] });
    expect(JSON.stringify(r)).not.toContain('SECRETTOKEN');
  });

  test('an override heads the notes and is recorded', () => {
    const r = assembleReport(parts({ override: 'override in force since then' }));
    expect(r.notes[0]).toBe('override in force since then');
    expect(r.override).toBe('override in force since then');
  });

  test('a failed ladder gets its cause and fails the verdict', () => {
    const failed = warmReport({ ladderStep: 'failed', ladder: [rung('proxy', 'failed', 'refused', 10), rung('failed', 'failed', '', 0)] });
    const r = assembleReport(parts({ warm: failed }));
    expect(r.verdict).toBe('failed');
    expect(r.warm?.cause).toEqual(expect.any(String));
    expect(r.reason).toMatch(/^module download failed: /);
    // The stage's value is not changed under it.
    expect(failed.cause).toBeUndefined();
  });

  test.each([
    ['healthy', 'proxy', 'healthy'],
    ['failed', 'proxy', 'degraded'],
    ['healthy', 'direct', 'degraded'],
    ['healthy', 'failed', 'failed'],
    ['degraded', undefined, 'degraded'],
  ] as const)('probe %s, ladder %s: %s', (probe, step, verdict) => {
    expect(overallVerdict(probe, step ? warmReport({ ladderStep: step }) : undefined)).toBe(verdict);
  });
});

describe('outputs come from the report, one per declared name', () => {
  const extras = {
    reportPath: '/tmp/report.json',
    statusPath: undefined,
    statusPagePath: undefined,
    localProxy: undefined,
    chain: parseGoproxy('https://u:p@a.example|direct'),
  };

  test('every output named in OUTPUTS, and nothing else', () => {
    expect(Object.keys(outputsOf(runReport(), extras)).sort()).toEqual(Object.keys(OUTPUTS).sort());
  });

  test.each([
    ['goproxy', runReport(), 'https://proxy.golang.org|direct'],
    ['best-proxy', runReport({ bestProxy: undefined }), ''],
    ['healthy-count', runReport(), '1'],
    ['report', runReport(), '/tmp/report.json'],
    ['status', runReport(), ''],
    ['cache-hit', runReport({ warm: undefined }), 'none'],
    ['ladder-step', runReport({ warm: undefined }), ''],
    ['modules', runReport(), '3'],
    ['download-ms', runReport(), '2600'],
    ['build-cache-hit', runReport(), 'none'],
    ['build-cache-hit', runReport({ buildCache: { hit: 'exact', key: 'k', added: 3 } }), 'exact'],
    ['local-proxy', runReport(), ''],
  ] as const)('%s', (name, report, value) => {
    expect(outputsOf(report, extras)[name]).toBe(value);
  });

  test('docker-build-args carry no credentials', () => {
    expect(outputsOf(runReport(), extras)['docker-build-args']).toBe('GOPROXY=https://a.example|direct');
  });

  test("docker-build-args: the goproxy output's chain, never the local proxy, whose URL carries the job's token", () => {
    const p = parts({ serve: { url: 'http://127.0.0.1:4321/SECRETTOKEN', note: undefined } });
    const report = assembleReport(p);
    const outputs = outputsOf(report, { ...extras, localProxy: 'http://127.0.0.1:4321/SECRETTOKEN', chain: p.probe.chain });
    expect(outputs['docker-build-args']).toBe('GOPROXY=https://a.example|direct');
    // The same proxies, in the same order, as the goproxy output (which shows them masked).
    expect(outputs.goproxy).toBe('https://***@a.example|direct');
    expect(outputs['docker-build-args']).toBe(`GOPROXY=${outputs.goproxy.replace('***@', '')}`);
  });
});

describe('the gate reads the report', () => {
  test.each([
    [{}, runReport({ warm: warmReport({ ladderStep: 'failed' }) }), false],
    [{}, runReport(), true],
    [{ 'fail-on': 'degraded' }, runReport(), false],
    [{ 'fail-on': 'unhealthy', override: 'direct' }, runReport({ healthyCount: 0 }), true],
    [{ 'fail-on': 'unhealthy' }, runReport({ healthyCount: 0 }), false],
  ] as const)('%j: pass %s', (values, report, pass) => {
    const c = config(values);
    expect(decideGate(gateInputOf({ config: c, ...chainDecisions(c, []) }, report)).pass).toBe(pass);
  });
});

describe('who saves the module cache', () => {
  const base = { cacheKey: 'k', hasCiCache: true, platformSavesItself: false, cacheEnabled: true, step: 'proxy', policy: 'auto' } as const;
  test.each([
    ['the guard drives a CI cache', 'post-step', {}],
    ['no key: nothing was restored through the CI cache', 'none', { cacheKey: undefined }],
    ['GitLab saves it itself', 'prune-now', { cacheKey: undefined, hasCiCache: false, platformSavesItself: true }],
    ['GitLab, the ladder failed', 'none', { cacheKey: undefined, hasCiCache: false, platformSavesItself: true, step: 'failed' }],
    ['GitLab, vendor/ saved the job', 'none', { cacheKey: undefined, hasCiCache: false, platformSavesItself: true, step: 'vendor' }],
    ['GitLab, save-cache never', 'none', { cacheKey: undefined, hasCiCache: false, platformSavesItself: true, policy: 'never' }],
    ['GitLab, cache off', 'none', { cacheKey: undefined, hasCiCache: false, platformSavesItself: true, cacheEnabled: false }],
    ['a terminal: nobody saves', 'none', { cacheKey: undefined, hasCiCache: false }],
  ] as const)('%s: %s', (_, plan, over) => {
    expect(planModuleCacheSave({ ...base, ...over })).toBe(plan);
  });
});

describe('every input decided once, in the config', () => {
  test.each([
    [undefined, undefined],
    ['', undefined],
    [' . ', undefined],
    ['sub/dir', 'sub/dir'],
    ['./', './'],
  ])('working-directory %j: given as %j', (raw, given) => {
    expect(config(raw === undefined ? {} : { 'working-directory': raw }).workingDirectoryGiven).toBe(given);
  });

  test.each([
    [undefined, undefined, 3000],
    ['2500ms', '2500ms', 2500],
    [' 1m ', '1m', 60000],
  ])('probe-timeout %j: shown as %j', (raw, shownAs, ms) => {
    const c = config(raw === undefined ? {} : { 'probe-timeout': raw });
    expect([c.probe.timeoutAsWritten, c.probe.timeoutMs]).toEqual([shownAs, ms]);
  });

  test("the summary's certificate advice follows the user's cert-warn, not the default", () => {
    const report = runReport({ proxies: [healthyProxy('https://goproxy.corp.example', { tlsDaysLeft: 45 })] });
    expect(adviceFor(report).join('\n')).not.toContain('certificate expires');
    const score = config({ 'score-thresholds': 'cert-warn=60' }).score;
    expect(adviceFor(report, { score }).join('\n')).toContain('certificate expires in 45 days');
  });
});

describe('a warm job waits for stragglers only as long as the finished proxies make sensible', () => {
  const finishedWith = (p95: number | null) => ({ ...healthyProxy('https://a.example'), latencyMs: { p50: p95, p95 } });
  test.each([
    ['nothing finished: latency-max', [], 2000, 2000],
    ['fast proxies: the floor, so a far mirror still gets its first answers in', [finishedWith(60), finishedWith(120)], 2000, 1000],
    ['a slow finished proxy: three times its p95', [finishedWith(500)], 2000, 1500],
    ['never past latency-max', [finishedWith(900)], 2000, 2000],
    ['a proxy with no answers does not count', [finishedWith(null), finishedWith(100)], 2000, 1000],
  ])('%s', (_name, finished, latencyMax, expected) => {
    expect(stragglerWaitMs(finished, latencyMax)).toBe(expected);
  });
});
