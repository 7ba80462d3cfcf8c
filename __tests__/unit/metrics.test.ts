import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { appendMetrics, metricsFormat } from '../../src/history/metrics-file.js';
import { CSV_COLUMNS, escapeText, metricsCsv, metricsOpenMetrics } from '../../src/history/metrics.js';
import { healthyProxy, runContext, runReport, savedByCacheReport } from './fixtures/report.js';

/** RFC 4180, strictly: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (c === ',' || c === '\n') {
      row.push(field);
      field = '';
      if (c === '\n') {
        rows.push(row);
        row = [];
      }
    } else field += c;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) throw new Error('last line lacks its newline');
  return rows;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
interface Family {
  type: string;
  unit?: string;
  help?: string;
  samples: Sample[];
}

/** A strict reader of the OpenMetrics text subset we write: metadata before samples, families contiguous, # EOF last. */
function parseOpenMetrics(text: string): Map<string, Family> {
  expect(text.endsWith('# EOF\n')).toBe(true);
  const lines = text.slice(0, -'# EOF\n'.length).split('\n').slice(0, -1);
  const families = new Map<string, Family>();
  let current: string | undefined;
  for (const line of lines) {
    const meta = /^# (TYPE|UNIT|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (kind === 'TYPE') {
        if (families.has(name)) throw new Error(`family ${name} declared twice (families must be contiguous)`);
        families.set(name, { type: rest, samples: [] });
        current = name;
      } else {
        if (name !== current) throw new Error(`${kind} for ${name} outside its family`);
        const f = families.get(name) as Family;
        if (kind === 'UNIT') {
          if (!name.endsWith(`_${rest}`)) throw new Error(`${name} must end with its unit ${rest}`);
          f.unit = rest;
        } else f.help = unescape(rest);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample: ${line}`);
    const [, name, labels, value] = sample as unknown as [string, string, string | undefined, string];
    const family = families.get(current ?? '');
    const expected = family?.type === 'info' ? `${current}_info` : current;
    if (!family || name !== expected) throw new Error(`sample ${name} outside its family ${current}`);
    const parsed = labels ? parseLabels(labels.slice(1, -1)) : {};
    const key = JSON.stringify(parsed);
    if (family.samples.some((s) => JSON.stringify(s.labels) === key)) throw new Error(`duplicate labels in ${name}: ${key}`);
    family.samples.push({ name, labels: parsed, value: Number(value) });
  }
  return families;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text))) {
    labels[m[1] as string] = unescape(m[2] as string);
    end = re.lastIndex;
    if (m[3] === '') break;
  }
  if (end !== text.length) throw new Error(`bad label set: {${text}}`);
  return labels;
}

const unescape = (s: string) => s.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

const valueOf = (f: Map<string, Family>, family: string, labels: Record<string, string>) =>
  f.get(family)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('CSV: one row per proxy per run', () => {
  test('header and rows parse back to the run’s figures', () => {
    const rows = parseCsv(metricsCsv(runReport(), runContext()));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(4);
    const record = (r: string[]) => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, r[i]]));
    expect(record(rows[1] as string[])).toEqual({
      timestamp: '2025-06-02T08:30:00.000Z',
      repository: 'acme/app',
      workflow: 'CI',
      run_id: '9876543210',
      proxy: 'https://proxy.golang.org',
      verdict: 'healthy',
      score: '0.97',
      score_success: '1',
      score_latency: '0.94',
      score_cert: '1',
      p50_ms: '42',
      p95_ms: '120',
      success_rate: '1',
      tls_days_left: '71',
      run_verdict: 'degraded',
      ladder_step: 'proxy',
      download_ms: '2600',
      cache_hit: 'partial',
    });
    // A proxy that never answered has no latency: empty, not 0.
    expect(record(rows[3] as string[])).toMatchObject({ proxy: 'https://goproxy.io', verdict: 'down', p50_ms: '', p95_ms: '' });
  });

  test('commas, quotes and line breaks in names are quoted, not split', () => {
    const ctx = runContext({ workflow: 'CI, nightly "full"\nmatrix', repository: undefined });
    const rows = parseCsv(metricsCsv(runReport(), ctx));
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    expect(rows[1]?.[2]).toBe('CI, nightly "full"\nmatrix');
    expect(rows[1]?.[1]).toBe('');
  });

  test('without a warm-up, the run-level columns are empty', () => {
    const rows = parseCsv(metricsCsv(runReport({ warm: undefined }), runContext()));
    expect(rows[1]?.slice(-3)).toEqual(['', '', '']);
  });
});

describe('OpenMetrics: this run’s figures', () => {
  test('well-formed, ending with # EOF, with proxy, run and warm-up families', () => {
    const f = parseOpenMetrics(metricsOpenMetrics(savedByCacheReport(), runContext()));
    expect(f.get('go_proxy_guard_proxy_score')?.type).toBe('gauge');
    expect(valueOf(f, 'go_proxy_guard_proxy_score', { proxy: 'https://goproxy.io', verdict: 'down' })).toBe(0);
    expect(valueOf(f, 'go_proxy_guard_run_verdict', { verdict: 'degraded' })).toBe(1);
    expect(valueOf(f, 'go_proxy_guard_run_verdict', { verdict: 'healthy' })).toBe(0);
    expect(valueOf(f, 'go_proxy_guard_ladder_step', { step: 'cache' })).toBe(1);
    expect(valueOf(f, 'go_proxy_guard_cache_hit', { hit: 'exact' })).toBe(1);
    expect(valueOf(f, 'go_proxy_guard_download_seconds', {})).toBe(2.6);
    expect(f.get('go_proxy_guard_download_seconds')?.unit).toBe('seconds');
    expect(valueOf(f, 'go_proxy_guard_run', { repository: 'acme/app', workflow: 'CI', run_id: '9876543210' })).toBe(1);
    expect(valueOf(f, 'go_proxy_guard_run_timestamp_seconds', {})).toBe(Date.parse('2025-06-02T08:30:00Z') / 1000);
    // Down proxies have no latency to report: no sample rather than a made-up 0.
    expect(f.get('go_proxy_guard_proxy_latency_p50_seconds')?.samples).toEqual([]);
  });

  test('latency in seconds, success ratio, TLS days and score parts of a healthy proxy', () => {
    const f = parseOpenMetrics(metricsOpenMetrics(runReport(), runContext()));
    const proxy = { proxy: 'https://proxy.golang.org' };
    expect(valueOf(f, 'go_proxy_guard_proxy_score', { ...proxy, verdict: 'healthy' })).toBe(0.97);
    expect(valueOf(f, 'go_proxy_guard_proxy_latency_p50_seconds', proxy)).toBe(0.042);
    expect(valueOf(f, 'go_proxy_guard_proxy_latency_p95_seconds', proxy)).toBe(0.12);
    expect(valueOf(f, 'go_proxy_guard_proxy_success_ratio', proxy)).toBe(1);
    expect(valueOf(f, 'go_proxy_guard_proxy_tls_days_left', proxy)).toBe(71);
    expect(valueOf(f, 'go_proxy_guard_proxy_score_part', { ...proxy, part: 'latency' })).toBe(0.94);
  });

  test('label values escape backslashes, quotes and newlines per the spec, and read back intact', () => {
    const url = 'https://corp.example/a\\b"c"\nd';
    const text = metricsOpenMetrics(runReport({ proxies: [healthyProxy(url)] }), runContext({ workflow: 'say "hi" \\o/' }));
    expect(text).toContain('go_proxy_guard_proxy_score{proxy="https://corp.example/a\\\\b\\"c\\"\\nd",verdict="healthy"} 0.97\n');
    const f = parseOpenMetrics(text);
    expect(valueOf(f, 'go_proxy_guard_proxy_score', { proxy: url })).toBe(0.97);
    expect(valueOf(f, 'go_proxy_guard_run', { workflow: 'say "hi" \\o/' })).toBe(1);
    expect(escapeText('a\\"\n')).toBe('a\\\\\\"\\n');
  });

  test('without a warm-up there are no ladder, cache or download families', () => {
    const f = parseOpenMetrics(metricsOpenMetrics(runReport({ warm: undefined }), runContext()));
    expect([...f.keys()].filter((k) => /ladder|cache|download|build_list/.test(k))).toEqual([]);
  });
});

describe('the metrics file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gpg-metrics-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('the extension picks the format', () => {
    expect(metricsFormat('/m/health.csv')).toBe('csv');
    expect(metricsFormat('/m/HEALTH.CSV')).toBe('csv');
    expect(metricsFormat('/m/health.prom')).toBe('openmetrics');
    expect(metricsFormat('/m/health')).toBe('openmetrics');
  });

  test('a CSV grows by each run’s rows, with one header, in a directory it creates', async () => {
    const file = path.join(dir, 'nested', 'health.csv');
    expect(await appendMetrics(file, runReport(), runContext({ runId: '1' }))).toBe('csv');
    await appendMetrics(file, savedByCacheReport(), runContext({ runId: '2' }));
    const rows = parseCsv(await fs.readFile(file, 'utf8'));
    expect(rows.filter((r) => r[0] === 'timestamp')).toHaveLength(1);
    expect(rows.slice(1).map((r) => `${r[3]} ${r[4]}`)).toEqual([
      '1 https://proxy.golang.org',
      '1 https://goproxy.cn',
      '1 https://goproxy.io',
      '2 https://proxy.golang.org',
      '2 https://goproxy.io',
    ]);
  });

  test('an empty CSV file gets its header', async () => {
    const file = path.join(dir, 'health.csv');
    await fs.writeFile(file, '');
    await appendMetrics(file, runReport(), runContext());
    expect((await fs.readFile(file, 'utf8')).split('\n')[0]).toBe(CSV_COLUMNS.join(','));
  });

  test('an OpenMetrics file holds the latest run only, and no temporary file is left behind', async () => {
    const file = path.join(dir, 'go-proxy-guard.prom');
    expect(await appendMetrics(file, runReport(), runContext())).toBe('openmetrics');
    await appendMetrics(file, savedByCacheReport(), runContext());
    const text = await fs.readFile(file, 'utf8');
    expect(text).toBe(metricsOpenMetrics(savedByCacheReport(), runContext()));
    expect(text.match(/# EOF/g)).toHaveLength(1);
    expect(await fs.readdir(dir)).toEqual(['go-proxy-guard.prom']);
  });
});
