/**
 * Telling people, end to end through the bundled action: the job summary,
 * chat alerts deduplicated across runs (state kept in the real Actions cache
 * protocol), recoveries, masks, and a receiver that hangs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { closeLabServers, guardCase, labCacheServer, labProxy, labReceiver } from './lab/guard-case.js';

afterEach(closeLabServers);

const quick = { 'probe-timeout': '1500ms', 'retry-backoff': '100ms', prewarm: 'false' };
/** Everything a person or a log collector can see of a run. */
const visible = (r: { stdout: string; stderr: string; outputs: Record<string, string>; summary: string }) =>
  [
    r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n'),
    r.stderr,
    JSON.stringify(r.outputs),
    r.summary,
    readFileSync(r.outputs.report!, 'utf8'),
  ].join('\n');

test('the job summary puts the verdict first, then the ranked proxies, and the log ends with one line: verdict, cause, action', async () => {
  const good = await labProxy();
  const bad = await labProxy({ status: 503 });
  const c = guardCase('summary');
  const r = await c.run({ ...quick, prewarm: 'true', cache: 'false', proxies: `${bad.url}\n${good.url}` });
  expect(r.code).toBe(0);
  const firstLine = r.summary.split('\n').find((l) => l.trim() !== '');
  expect(firstLine).toMatch(/degraded/i);
  expect(r.summary).toContain(good.url);
  const rows = r.summary.split('\n').filter((l) => l.startsWith('|'));
  const row = (url: string) => rows.findIndex((l) => l.includes(url));
  expect(row(good.url)).toBeGreaterThanOrEqual(0);
  expect(row(good.url)).toBeLessThan(row(bad.url));
  expect(r.summary).toMatch(/fallback/i);
  expect(r.warnings.length).toBeGreaterThan(0);
  expect(r.warnings.length).toBeLessThanOrEqual(10);
  const tail = r.stdout.trim().split('\n').slice(-1);
  expect(tail[0]).toMatch(/^go-proxy-guard: degraded\. .*returned HTTP 503.* Nothing to do: /);
});

describe('alerts', () => {
  test('slack: sent once for a condition, suppressed within the cooldown across runs, a recovery once; secrets never shown', async () => {
    const cacheServer = await labCacheServer();
    const slack = await labReceiver('slack');
    const proxy = await labProxy();
    const flaky = await labProxy({ status: 503 });
    const secret = 'pw-3xtra-S3cret';
    const authed = await labProxy('ok', { tls: 'valid', auth: { user: 'bot', pass: secret } });
    const c = guardCase('alerts');
    const inputs = {
      ...quick,
      proxies: `${proxy.url}\n${flaky.url}\n${authed.authUrl}`,
      'slack-webhook-url': slack.url,
      'alert-cooldown': '1h',
    };
    const env = cacheServer.env;

    const first = await c.run(inputs, { env });
    expect(first.outputs.verdict).toBe('degraded');
    expect(slack.accepted()).toHaveLength(1);
    const payload = slack.accepted()[0]!.rawBody;
    expect(payload).toContain(flaky.url);
    expect(payload).toContain('lab/project');

    const second = await c.run(inputs, { env });
    expect(second.outputs.verdict).toBe('degraded');
    expect(slack.accepted()).toHaveLength(1);
    expect(second.stdout).toMatch(/alert: not sent/);

    await flaky.setFault('ok');
    const third = await c.run(inputs, { env });
    expect(third.outputs.verdict).toBe('healthy');
    expect(slack.accepted()).toHaveLength(2);
    expect(slack.accepted()[1]!.rawBody).toMatch(/healthy again/i);

    const fourth = await c.run(inputs, { env });
    expect(fourth.outputs.verdict).toBe('healthy');
    expect(slack.accepted()).toHaveLength(2);

    for (const r of [first, second, third, fourth]) {
      const seen = visible(r);
      expect(seen).not.toContain(slack.token);
      expect(seen).not.toContain(secret);
    }
    for (const req of slack.requests) expect(req.rawBody).not.toContain(secret);
  });

  test('dingtalk and feishu: signed payloads the services accept', async () => {
    const secret = 'SECdingtalkfeishu0123456789';
    const ding = await labReceiver('dingtalk', { secret });
    const feishu = await labReceiver('feishu', { secret });
    const bad = await labProxy({ status: 502 });
    const good = await labProxy();
    const c = guardCase('signed');
    for (const [hook, format] of [
      [ding, 'dingtalk'],
      [feishu, 'feishu'],
    ] as const) {
      const r = await c.run({
        ...quick,
        proxies: `${bad.url}\n${good.url}`,
        'webhook-url': hook.url,
        'webhook-format': format,
        'webhook-secret': secret,
      });
      expect(r.code).toBe(0);
      expect(hook.accepted()).toHaveLength(1);
      expect(visible(r)).not.toContain(secret);
      expect(visible(r)).not.toContain(hook.token);
    }
  });

  test('a receiver that fails twice is retried; one that hangs is a bounded warning, never a failed build', async () => {
    const flaky = await labReceiver('discord', { mode: 'fail-twice-then-ok' });
    const hung = await labReceiver('teams', { mode: 'hang' });
    const bad = await labProxy({ status: 500 });
    const good = await labProxy();
    const c = guardCase('hooks');
    const d = await c.run({ ...quick, proxies: `${bad.url}\n${good.url}`, 'webhook-url': flaky.url, 'webhook-format': 'discord' });
    expect(d.code).toBe(0);
    expect(flaky.requests).toHaveLength(3);
    expect(flaky.accepted()).toHaveLength(1);

    const started = Date.now();
    const t = await c.run({ ...quick, proxies: `${bad.url}\n${good.url}`, 'webhook-url': hung.url, 'webhook-format': 'teams' });
    expect(t.code).toBe(0);
    // The send is bounded at 10 s; the rest is the step itself.
    expect(Date.now() - started).toBeLessThan(16_000);
    expect(t.warnings.join('\n')).toMatch(/alert: could not send to http:\/\/127\.0\.0\.1:\d+\/\*\*\* \(teams\)/);
  });
});

test('metrics-file: OpenMetrics and CSV exports of the run', async () => {
  const good = await labProxy();
  const c = guardCase('metrics');
  const om = path.join(c.lab, 'guard.prom');
  const csv = path.join(c.lab, 'guard.csv');
  await c.run({ ...quick, proxies: good.url, 'metrics-file': om });
  await c.run({ ...quick, proxies: good.url, 'metrics-file': csv });
  await c.run({ ...quick, proxies: good.url, 'metrics-file': csv });
  expect(readFileSync(om, 'utf8')).toMatch(/^go_proxy_guard_proxy_score\{.*\} (?:0\.\d+|1)$/m);
  expect(readFileSync(om, 'utf8').trim().endsWith('# EOF')).toBe(true);
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  expect(rows).toHaveLength(3);
  expect(rows[1]).toContain(good.url);
});
