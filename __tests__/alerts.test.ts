/**
 * Alerts end to end: the message built from a run report, rendered in each
 * service's format and POSTed to real receivers on 127.0.0.1 that judge it
 * (shape, size limits, signature) the way the service does.
 */
import { buildAlertMessage, truncate, truncateBytes, type AlertMessage } from '../src/alert/message.js';
import { formatAlert } from '../src/alert/formats/index.js';
import { ALERT_SCHEMA } from '../src/alert/formats/json.js';
import { sendAlerts, type SendAlertsOptions } from '../src/alert/send.js';
import type { Webhook, WebhookFormat } from '../src/config/config.js';
import type { ProxyHealth, ProxyVerdict, Verdict } from '../src/model/verdict.js';
import type { RunContext } from '../src/model/run-context.js';
import { Secrets } from '../src/secrets/secrets.js';
import { failingProxy, healthyProxy, runReport as fixtureReport, type RunReport, warmReport } from './unit/fixtures/report.js';
import { labWebhookSecret, startWebhookReceiver, type ReceiverMode, type WebhookReceiver } from './lab/webhooks.js';

const FORMATS: WebhookFormat[] = ['slack', 'discord', 'teams', 'dingtalk', 'feishu', 'wecom', 'json'];

/** The private proxy's password: registered with Secrets, as the engine does for every proxy URL. */
const PROXY_PASSWORD = 'pr0xy-S3cret-pw';
/** A credential nobody registered, that reached a failure message anyway. */
const STRAY_PASSWORD = 'unregistered-Pa55';

/** A proxy of `verdict`: refused (with `message`) unless healthy. */
const health = (url: string, verdict: ProxyVerdict, message = 'connection refused'): ProxyHealth =>
  verdict === 'healthy' ? healthyProxy(url) : failingProxy(url, verdict, 'refused', message);

/** A run where proxy.golang.org is fine and `failing` are not; the warm-up was saved by the retry rung. */
function runReport(opts: { verdict?: Verdict; failing?: ProxyHealth[]; reason?: string } = {}): RunReport {
  const proxies = [health('https://proxy.golang.org', 'healthy'), ...(opts.failing ?? [health('https://goproxy.io', 'down')])];
  const healthyCount = proxies.filter((p) => p.verdict === 'healthy').length;
  return fixtureReport({
    proxies,
    healthyCount,
    goproxy: 'https://proxy.golang.org,direct',
    verdict: opts.verdict ?? 'degraded',
    reason: opts.reason ?? `${healthyCount} of ${proxies.length} proxies healthy`,
    warm: warmReport({ ladderStep: 'retry', ladder: [], cacheHit: 'none', downloaded: [] }),
  });
}

const context: RunContext = {
  platform: 'github',
  repository: 'acme/app',
  workflow: 'ci',
  runId: '4242',
  runUrl: 'https://github.com/acme/app/actions/runs/4242',
  event: 'push',
  at: new Date('2025-03-01T10:00:00Z'),
};

function messageOf(report: RunReport, secrets = new Secrets()): AlertMessage {
  return buildAlertMessage({ kind: 'alert', report, context, secrets });
}

/** Everything the sender logged, warnings apart. */
function logger() {
  const lines: string[] = [];
  const warnings: string[] = [];
  return {
    lines,
    warnings,
    log: {
      info: (m: string) => void lines.push(m),
      warning: (m: string) => {
        lines.push(m);
        warnings.push(m);
      },
    },
  };
}

const receivers: WebhookReceiver[] = [];
async function receiver(format: WebhookFormat, opts: { secret?: string; mode?: ReceiverMode } = {}): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(format, opts);
  receivers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function send(webhooks: Webhook[], message: AlertMessage, opts: Partial<SendAlertsOptions> & { log: SendAlertsOptions['log'] }) {
  return sendAlerts(webhooks, message, { secrets: new Secrets(), timeoutMs: 5000, backoffMs: 20, ...opts });
}

describe('each format is accepted by its service, signature checked', () => {
  test.each(FORMATS)('%s: one POST, accepted, reported ok with the URL shown as scheme and host only', async (format) => {
    const secret = labWebhookSecret();
    const r = await receiver(format, { secret });
    const { log, lines, warnings } = logger();

    const results = await send([{ url: r.url, format }], messageOf(runReport()), { secret, log });

    expect(results).toEqual([expect.objectContaining({ ok: true, attempts: 1, format, url: `${r.origin}/***` })]);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]?.outcome).toBe('accepted');
    expect(r.requests[0]?.method).toBe('POST');
    expect(r.requests[0]?.headers['content-type']).toMatch(/^application\/json/);
    expect(warnings).toEqual([]);
    expect(lines).toEqual([`alert: sent to ${r.origin}/*** (${format})`]);
  });

  test('slack: a header, the facts as fields, the failing proxy, and a context line linking the run', async () => {
    const r = await receiver('slack');
    await send([{ url: r.url, format: 'slack' }], messageOf(runReport()), { log: logger().log });
    const body = r.requests[0]?.body as { text: string; blocks: Array<Record<string, unknown>> };
    expect(body.text).toBe('go-proxy-guard: GOPROXY degraded in acme/app: 1 of 2 proxies healthy');
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(JSON.stringify(body.blocks[3])).toContain('`https://goproxy.io` — down: connection refused');
    expect(JSON.stringify(body.blocks[4])).toContain('<https://github.com/acme/app/actions/runs/4242|View the run>');
  });

  test('dingtalk: timestamp and sign travel URL-encoded in the query, next to the access token', async () => {
    const secret = labWebhookSecret();
    const r = await receiver('dingtalk', { secret });
    await send([{ url: r.url, format: 'dingtalk' }], messageOf(runReport()), { secret, log: logger().log });
    const req = r.requests[0];
    expect(req?.query.access_token).toBe(r.token);
    expect(Math.abs(Number(req?.query.timestamp) - Date.now())).toBeLessThan(10_000);
    // A 32-byte HMAC in base64 always ends with "=", which must arrive as %3D.
    expect(req?.rawUrl).toMatch(/&sign=[A-Za-z0-9%]+%3D$/);
    expect(req?.outcome).toBe('accepted');
  });

  test('feishu: the signature and a timestamp in seconds travel in the body', async () => {
    const secret = labWebhookSecret();
    const r = await receiver('feishu', { secret });
    await send([{ url: r.url, format: 'feishu' }], messageOf(runReport()), { secret, log: logger().log });
    const body = r.requests[0]?.body as Record<string, unknown>;
    expect(body.msg_type).toBe('interactive');
    expect(body.timestamp).toMatch(/^\d{10}$/);
    expect(typeof body.sign).toBe('string');
    expect(r.requests[0]?.outcome).toBe('accepted');
  });

  test('json: the versioned document, with every failing proxy, signed in headers', async () => {
    const secret = labWebhookSecret();
    const r = await receiver('json', { secret });
    await send([{ url: r.url, format: 'json' }], messageOf(runReport()), { secret, log: logger().log });
    const req = r.requests[0];
    expect(req?.outcome).toBe('accepted');
    expect(req?.headers['x-go-proxy-guard-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(req?.body).toEqual({
      schema: ALERT_SCHEMA,
      title: 'go-proxy-guard: GOPROXY degraded in acme/app',
      kind: 'alert',
      verdict: 'degraded',
      repository: 'acme/app',
      workflow: 'ci',
      runUrl: 'https://github.com/acme/app/actions/runs/4242',
      failingProxies: [{ url: 'https://goproxy.io', verdict: 'down', reason: 'connection refused' }],
      healthyCount: 1,
      proxyCount: 2,
      goproxy: 'https://proxy.golang.org,direct',
      ladderStep: 'retry',
      reason: '1 of 2 proxies healthy',
      at: '2025-03-01T10:00:00.000Z',
    });
  });

  test('a recovery says so, in every format', async () => {
    const all = await Promise.all(FORMATS.map((format) => receiver(format)));
    const recovery = buildAlertMessage({
      kind: 'recovery',
      report: runReport({ verdict: 'healthy', failing: [] }),
      context,
      secrets: new Secrets(),
    });
    const results = await send(
      all.map((r) => ({ url: r.url, format: r.service })),
      recovery,
      { log: logger().log },
    );
    expect(results.every((x) => x.ok)).toBe(true);
    for (const r of all) expect(r.requests[0]?.rawBody).toContain('GOPROXY healthy again in acme/app');
  });
});

describe('a refusal is a failed send, reported as a warning, never thrown', () => {
  const stale = () => new Date(Date.now() - 2 * 60 * 60 * 1000);

  test('dingtalk: a timestamp two hours old is refused with errcode 310000, and not retried', async () => {
    const secret = labWebhookSecret();
    const r = await receiver('dingtalk', { secret });
    const { log, warnings } = logger();
    const results = await send([{ url: r.url, format: 'dingtalk' }], messageOf(runReport()), { secret, log, now: stale });
    expect(results[0]).toMatchObject({ ok: false, attempts: 1, status: 200 });
    expect(results[0]?.error).toMatch(/DingTalk refused the message: errcode 310000/);
    expect(r.requests[0]?.outcome).toBe('timestamp missing or more than an hour off');
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^alert: could not send to ${r.origin}/\\*\\*\\* \\(dingtalk\\) after 1 attempt\\(s\\): DingTalk refused the message: errcode 310000`,
        ),
      ),
    ]);
  });

  test('feishu: a timestamp two hours old is refused with code 19021', async () => {
    const secret = labWebhookSecret();
    const r = await receiver('feishu', { secret });
    const { log, warnings } = logger();
    const results = await send([{ url: r.url, format: 'feishu' }], messageOf(runReport()), { secret, log, now: stale });
    expect(results[0]).toMatchObject({ ok: false, attempts: 1 });
    expect(results[0]?.error).toBe(
      'Feishu refused the message: code 19021: sign match fail or timestamp is not within one hour from current time',
    );
    expect(warnings).toHaveLength(1);
  });

  test('a signature made with another secret is refused (dingtalk, feishu, json)', async () => {
    const all = await Promise.all((['dingtalk', 'feishu', 'json'] as const).map((f) => receiver(f, { secret: labWebhookSecret() })));
    const { log, warnings } = logger();
    const results = await send(
      all.map((r) => ({ url: r.url, format: r.service })),
      messageOf(runReport()),
      { secret: labWebhookSecret(), log },
    );
    expect(results.map((x) => x.ok)).toEqual([false, false, false]);
    expect(all.map((r) => r.requests[0]?.outcome)).toEqual(['sign not match', 'sign mismatch', 'bad signature']);
    expect(warnings).toHaveLength(3);
  });

  test.each(FORMATS)("%s: the service's own error answer (an unknown webhook) counts as a failure", async (format) => {
    const r = await receiver(format, { mode: 'error' });
    const { log, warnings } = logger();
    const results = await send([{ url: r.url, format }], messageOf(runReport()), { log });
    expect(results[0]).toMatchObject({ ok: false, attempts: 1, status: r.requests[0]?.status });
    expect(results[0]?.error).toBeTruthy();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(results[0]?.error);
  });

  test('nobody listening: retried, then reported as connection refused', async () => {
    const r = await receiver('slack');
    await r.close();
    const { log, warnings } = logger();
    const results = await send([{ url: r.url, format: 'slack' }], messageOf(runReport()), { log, retries: 2 });
    expect(results[0]).toMatchObject({ ok: false, attempts: 3 });
    expect(results[0]?.error).toMatch(/connection refused/);
    expect(warnings).toHaveLength(1);
  });
});

describe('transient failures are retried within the bound', () => {
  test.each(['slack', 'dingtalk', 'feishu'] as const)('%s: 503 twice, then accepted on the 3rd attempt (re-signed)', async (format) => {
    const secret = labWebhookSecret();
    const r = await receiver(format, { secret, mode: 'fail-twice-then-ok' });
    const { log, lines, warnings } = logger();
    const results = await send([{ url: r.url, format }], messageOf(runReport()), { secret, log, retries: 2 });
    expect(results[0]).toMatchObject({ ok: true, attempts: 3 });
    expect(r.requests.map((q) => q.status)).toEqual([503, 503, 200]);
    expect(r.requests[2]?.outcome).toBe('accepted');
    expect(warnings).toEqual([]);
    expect(lines.filter((l) => l.includes('retrying in'))).toHaveLength(2);
  });

  test('with one retry allowed, two 503s are a failure after 2 attempts', async () => {
    const r = await receiver('discord', { mode: 'fail-twice-then-ok' });
    const { log, warnings } = logger();
    const results = await send([{ url: r.url, format: 'discord' }], messageOf(runReport()), { log, retries: 1 });
    expect(results[0]).toMatchObject({ ok: false, attempts: 2, status: 503 });
    expect(results[0]?.error).toBe('Discord answered HTTP 503: Service Unavailable');
    expect(warnings).toHaveLength(1);
  });

  test('a hanging receiver costs no more than the bound, and does not hold up the other webhooks', async () => {
    const hung = await receiver('teams', { mode: 'hang' });
    const fine = await receiver('slack');
    const { log, warnings } = logger();
    const bound = 1500;
    const started = performance.now();
    const results = await send(
      [
        { url: hung.url, format: 'teams' },
        { url: fine.url, format: 'slack' },
      ],
      messageOf(runReport()),
      { log, timeoutMs: bound, retries: 2 },
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(bound + 1000);
    expect(results[0]).toMatchObject({ ok: false, attempts: 1, error: `no answer within ${bound} ms` });
    expect(results[1]).toMatchObject({ ok: true, attempts: 1 });
    expect(results[1]?.ms).toBeLessThan(bound);
    expect(hung.requests).toHaveLength(1);
    expect(hung.requests[0]?.status).toBe(0);
    expect(warnings).toHaveLength(1);

    const closing = performance.now();
    await hung.close();
    expect(performance.now() - closing).toBeLessThan(1000);
  });
});

describe('secrets never leave in a payload or a log line', () => {
  test('webhook URLs, the webhook secret and proxy passwords are absent from every request and every log line', async () => {
    const secret = labWebhookSecret();
    const ok = await Promise.all(FORMATS.map((format) => receiver(format, { secret })));
    const refusing = await Promise.all(FORMATS.map((format) => receiver(format, { secret, mode: 'error' })));
    const all = [...ok, ...refusing];
    const slackUrl = ok[0]?.url as string;

    const secrets = new Secrets();
    // As the engine does: proxy URLs with credentials are registered; webhook URLs and the secret are left to sendAlerts.
    const privateProxy = secrets.addUrl(`https://ci-bot:${PROXY_PASSWORD}@goproxy.corp.example/go`);
    const report = runReport({
      failing: [
        health(
          privateProxy,
          'down',
          `dial tcp: lookup goproxy.corp.example: GOPROXY=https://ci-bot:${PROXY_PASSWORD}@goproxy.corp.example/go`,
        ),
        health('https://mirror.example', 'broken', `401 from https://deploy:${STRAY_PASSWORD}@mirror.example/go/@v/list`),
      ],
      reason: `private proxy https://ci-bot:${PROXY_PASSWORD}@goproxy.corp.example/go is down; notify ${slackUrl}`,
    });
    const message = buildAlertMessage({ kind: 'alert', report, context, secrets: new Secrets() });
    const { log, lines, warnings } = logger();

    const results = await sendAlerts(
      all.map((r) => ({ url: r.url, format: r.service })),
      message,
      { secret, secrets, log, timeoutMs: 5000, backoffMs: 20 },
    );

    expect(results.map((x) => x.ok)).toEqual([...FORMATS.map(() => true), ...FORMATS.map(() => false)]);
    expect(warnings).toHaveLength(FORMATS.length);
    const forbidden = [secret, PROXY_PASSWORD, STRAY_PASSWORD, ...all.map((r) => r.token)];
    for (const r of all) {
      const req = r.requests[0];
      expect(req).toBeDefined();
      // A request necessarily carries its own webhook's token in its URL; nothing else secret may ride along.
      const sent = [req?.rawUrl.replace(r.token, '<own token>'), req?.rawBody, JSON.stringify(req?.headers)].join('\n');
      for (const s of forbidden) expect(sent).not.toContain(s);
    }
    for (const line of lines) for (const s of forbidden) expect(line).not.toContain(s);
    for (const x of results) for (const s of forbidden) expect(JSON.stringify(x)).not.toContain(s);
    // The payload still says what happened, with the credential blanked.
    expect(ok[6]?.requests[0]?.rawBody).toContain('https://ci-bot:***@goproxy.corp.example/go');
  });
});

describe('size limits hold with 500 failing proxies', () => {
  /** Long URLs and multi-byte failure messages: the worst case for character and byte limits. */
  const crowd = () =>
    Array.from({ length: 500 }, (_, i) =>
      health(
        `https://mirror-${String(i).padStart(3, '0')}.goproxy.example/very/long/path/to/the/module/proxy/endpoint`,
        'down',
        `连接超时 (timeout) 🚧 after ${i} ms`,
      ),
    );

  test('every service accepts the alert, and the lists say how many were left out', async () => {
    const all = await Promise.all(FORMATS.map((format) => receiver(format)));
    const message = messageOf(
      runReport({ verdict: 'failed', failing: crowd(), reason: `no proxy reached min-score 0.5: ${'x'.repeat(5000)}` }),
    );
    const { log, warnings } = logger();
    const results = await send(
      all.map((r) => ({ url: r.url, format: r.service })),
      message,
      { log },
    );
    expect(warnings).toEqual([]);
    expect(results.map((x) => [x.format, x.ok])).toEqual(FORMATS.map((f) => [f, true]));
    for (const r of all) expect(r.requests[0]?.outcome).toBe('accepted');

    const byFormat = Object.fromEntries(all.map((r) => [r.service, r.requests[0]?.body])) as Record<WebhookFormat, Record<string, unknown>>;
    const embed = (byFormat.discord.embeds as Array<{ description: string }>)[0];
    expect(embed?.description.length).toBeLessThanOrEqual(4096);
    expect(embed?.description).toMatch(/… and \d+ more$/);
    const wecom = (byFormat.wecom.markdown as { content: string }).content;
    expect(Buffer.byteLength(wecom)).toBeLessThanOrEqual(4096);
    expect(wecom).not.toContain('\uFFFD');
    expect(wecom).toMatch(/- … and \d+ more/);
    expect((byFormat.json.failingProxies as unknown[]).length).toBe(500);
  });
});

describe('formats, without the network', () => {
  test('discord stays within every limit when each text is far over it', () => {
    const message: AlertMessage = {
      ...messageOf(runReport({ failing: [] })),
      title: 'T'.repeat(1000),
      reason: 'R'.repeat(10_000),
      repository: 'r'.repeat(5000),
      workflow: 'w'.repeat(5000),
      goproxy: 'g'.repeat(5000),
      failingProxies: Array.from({ length: 500 }, (_, i) => ({
        url: `https://p${i}.example`,
        verdict: 'down' as const,
        reason: 'E'.repeat(2000),
      })),
    };
    const body = formatAlert('discord', message, { now: new Date() }).body as {
      content: string;
      embeds: Array<{ title: string; description: string; fields: Array<{ name: string; value: string }>; footer: { text: string } }>;
    };
    const e = body.embeds[0]!;
    expect(body.content.length).toBeLessThanOrEqual(2000);
    expect(e.title.length).toBeLessThanOrEqual(256);
    expect(e.title.endsWith('…')).toBe(true);
    expect(e.description.length).toBeLessThanOrEqual(4096);
    expect(e.fields.length).toBeLessThanOrEqual(25);
    for (const f of e.fields) expect(f.value.length).toBeLessThanOrEqual(1024);
    const total =
      e.title.length + e.description.length + e.footer.text.length + e.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(6000);
  });

  test('byte truncation never splits a character; character truncation never splits a surrogate pair', () => {
    const text = '代理🚧'.repeat(2000);
    for (const max of [4096, 4095, 4094, 4093, 10, 4]) {
      const cut = truncateBytes(text, max);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
      expect(cut.endsWith('…')).toBe(true);
    }
    const emoji = '🚧'.repeat(10);
    for (const max of [5, 6, 7]) {
      const cut = truncate(emoji, max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(cut).toBe(`${'🚧'.repeat(Math.floor((max - 1) / 2))}…`);
    }
  });

  test('wecom keeps the content under 4096 bytes whatever the message', () => {
    const message: AlertMessage = { ...messageOf(runReport()), reason: '超时'.repeat(3000), goproxy: '代'.repeat(3000) };
    const content = (formatAlert('wecom', message, { now: new Date() }).body as { markdown: { content: string } }).markdown.content;
    expect(Buffer.byteLength(content)).toBeLessThanOrEqual(4096);
  });

  test('dingtalk and feishu are unsigned without a secret', () => {
    const message = messageOf(runReport());
    expect(formatAlert('dingtalk', message, { now: new Date() }).query).toBeUndefined();
    expect(formatAlert('feishu', message, { now: new Date() }).body).not.toHaveProperty('sign');
  });
});
