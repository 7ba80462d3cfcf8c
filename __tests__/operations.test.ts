/**
 * Running it like an operations team, end to end through the bundled action
 * on the runner emulator, with state in the lab's Actions cache service and
 * alerts to real webhook receivers:
 * - a matrix of 5 concurrent jobs of one run sends one alert per outage;
 * - silence windows hold alerts back without touching the verdict or gate;
 * - the GO_PROXY_GUARD_OVERRIDE switch in its three forms;
 * - the scheduled health check (.github/workflows/proxy-health.yml) over
 *   several runs: history, trend and MTTR in status.json.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { closeLabServers, guardCase, labCacheServer, labProxy, labReceiver } from './lab/guard-case.js';
import { vendorProject } from './lab/go.js';
import { repoRoot } from './lab/paths.js';

afterEach(closeLabServers);

// 3 s: twice what a loopback probe needs on a busy 2-core machine.
const quick = { 'probe-timeout': '3s', 'retry-backoff': '100ms', prewarm: 'false', serve: 'false' };
const hostOf = (url: string) => new URL(url).host;
const iso = (ms: number) => new Date(ms).toISOString().replace(/:\d\d\.\d+Z$/, 'Z');

describe('one alert per outage across a matrix', () => {
  test('5 concurrent jobs of one run, one outage: exactly 1 alert, one state entry; the next run is within the cooldown; the recovery is sent once', async () => {
    const cacheServer = await labCacheServer();
    const slack = await labReceiver('slack');
    const good = await labProxy();
    const bad = await labProxy({ status: 503 });
    const c = guardCase('matrix');
    const inputs = { ...quick, proxies: `${good.url}\n${bad.url}`, 'slack-webhook-url': slack.url, 'alert-cooldown': '1h' };
    // Hosted runners of one OS see the same paths (the lab cache server's env sets RUNNER_TEMP), and one run id.
    const legs = (runId: string) =>
      Promise.all([1, 2, 3, 4, 5].map(() => c.run(inputs, { env: { ...cacheServer.env, GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '1' } })));

    const first = await legs('7001');
    for (const r of first) {
      expect(r.code).toBe(0);
      expect(r.outputs.verdict).toBe('degraded');
    }
    expect(slack.accepted()).toHaveLength(1);
    expect(slack.accepted()[0]!.rawBody).toContain(bad.url);
    const logs = first.map((r) => r.stdout);
    expect(logs.filter((l) => /alert: alert sent to 1 of 1 webhooks/.test(l))).toHaveLength(1);
    // The others lost the election, or (started later on a busy machine) restored this run's state and saw the alert sent.
    const quiet =
      /alert: alert left to another job of this run, which claimed go-proxy-guard-alert-lab_project-7001-1-|alert: not sent \(same condition already alerted/;
    expect(logs.filter((l) => quiet.test(l))).toHaveLength(4);
    // Which of the two quiet paths each job takes (lost the claim, or restored the state the winner saved) depends on
    // when it starts; the election itself, 1 won and 4 lost at once, is asserted in alert-claim.test.ts.
    const keys = () => cacheServer.entries().map((e) => e.key);
    // One claim for the one alert, one state entry for the run (not one per job).
    expect(keys().filter((k) => k.startsWith('go-proxy-guard-alert-'))).toHaveLength(1);
    expect(keys().filter((k) => k.startsWith('go-proxy-guard-state-'))).toEqual(['go-proxy-guard-state-lab_project-lab-7001-1']);
    for (const r of first) expect(r.warnings.join('\n')).not.toMatch(/state was not saved/);

    const second = await legs('7002');
    expect(slack.accepted()).toHaveLength(1);
    for (const r of second) expect(r.stdout).toMatch(/alert: not sent \(same condition already alerted .*cooldown/);
    expect(keys().filter((k) => k.startsWith('go-proxy-guard-alert-'))).toHaveLength(1);
    expect(keys().filter((k) => k.startsWith('go-proxy-guard-state-'))).toHaveLength(2);

    await bad.setFault('ok');
    const third = await legs('7003');
    for (const r of third) expect(r.outputs.verdict).toBe('healthy');
    expect(slack.accepted()).toHaveLength(2);
    expect(slack.accepted()[1]!.rawBody).toMatch(/healthy again/i);
    // Masked: the only lines holding the token are the mask registrations themselves.
    for (const r of [...first, ...second, ...third]) {
      expect(
        r.stdout
          .split('\n')
          .filter((l) => !l.startsWith('::add-mask::'))
          .join('\n'),
      ).not.toContain(slack.token);
    }
  }, 240_000);
});

describe('silence windows', () => {
  test('an open window scoped to the failing proxy: no alert, "silenced by" in the summary, report and history; verdict and gate unchanged; after the window the outage is alerted once', async () => {
    const cacheServer = await labCacheServer();
    const slack = await labReceiver('slack');
    const good = await labProxy();
    const bad = await labProxy({ status: 503 });
    const c = guardCase('silence');
    const now = Date.now();
    const window = `${iso(now - 3_600_000)}/${iso(now + 3_600_000)} proxy=${hostOf(bad.url)}`;
    const base = { ...quick, proxies: `${good.url}\n${bad.url}`, 'slack-webhook-url': slack.url, 'fail-on': 'degraded' };

    const silenced = await c.run({ ...base, 'alert-silence': `# planned maintenance\n${window}` }, { env: cacheServer.env });
    expect(silenced.outputs.verdict).toBe('degraded');
    // Silence is about people: fail-on degraded still fails the build.
    expect(silenced.code).not.toBe(0);
    expect(silenced.errors.join('\n')).toMatch(
      /^go-proxy-guard: degraded\..*This step fails the job: verdict is degraded, as fail-on: degraded asks\.$/m,
    );
    expect(slack.requests).toHaveLength(0);
    expect(silenced.stdout).toContain(`alert: not sent (silenced by ${window}`);
    expect(silenced.summary).toContain(`silenced by ${window}`);
    expect(silenced.report.notes.join('\n')).toContain(`silenced by ${window}`);
    const status = JSON.parse(readFileSync(silenced.outputs.status!, 'utf8'));
    expect(status.silenced).toBe(`silenced by ${window}`);
    // The history keeps it too (the state file the job saved to the cache).
    const saved = JSON.parse(readFileSync(path.join(cacheServer.env.RUNNER_TEMP!, 'go-proxy-guard-state', 'state.json'), 'utf8'));
    expect(saved.history[saved.history.length - 1].silenced).toBe(`silenced by ${window}`);
    expect(saved.alerts.silenced).toMatchObject({ by: `silenced by ${window}` });

    // Another proxy failing during the same window is not covered: it alerts.
    const other = await labProxy({ status: 500 });
    const unscoped = guardCase('silence-other');
    await unscoped.run({ ...base, proxies: `${good.url}\n${other.url}`, 'alert-silence': window });
    expect(slack.accepted()).toHaveLength(1);
    expect(slack.accepted()[0]!.rawBody).toContain(other.url);

    // The window is over (the input no longer holds it): still failing, so it is sent once, cooldown or not.
    const after = await c.run(base, { env: cacheServer.env });
    expect(after.stdout).toMatch(/alert: alert sent to 1 of 1 webhooks \(verdict degraded: still degraded after the silence window/);
    expect(slack.accepted()).toHaveLength(2);
    const again = await c.run(base, { env: cacheServer.env });
    expect(again.stdout).toMatch(/alert: not sent \(same condition/);
    expect(slack.accepted()).toHaveLength(2);
  }, 180_000);

  test('a bad window is an input error naming the input and the line', async () => {
    const good = await labProxy();
    const c = guardCase('silence-bad');
    const r = await c.run({ ...quick, proxies: good.url, 'alert-silence': 'Sat 02:00-04:00 UTC\nSat 04:00-02:00 CEST' });
    expect(r.code).not.toBe(0);
    expect(r.errors.join('\n')).toContain(
      'input "alert-silence" line 2: weekly windows are in UTC: write "UTC", got "CEST", got "Sat 04:00-02:00 CEST"',
    );
  });
});

describe('the emergency switch GO_PROXY_GUARD_OVERRIDE', () => {
  test('candidates: replace the configured proxies; shown in the log, the summary and the alert; the since date holds across runs', async () => {
    const cacheServer = await labCacheServer();
    const slack = await labReceiver('slack');
    const configured = await labProxy({ status: 503 });
    const good = await labProxy();
    const broken = await labProxy({ status: 502 });
    const c = guardCase('override-proxies');
    const inputs = { ...quick, proxies: configured.url, 'slack-webhook-url': slack.url };
    const env = { ...cacheServer.env, GO_PROXY_GUARD_OVERRIDE: `${good.url},${broken.url}` };

    const first = await c.run(inputs, { env });
    expect(first.code).toBe(0);
    expect(first.report.proxies.map((p: { url: string }) => p.url).sort()).toEqual([good.url, broken.url].sort());
    expect(first.outputs.goproxy).toBe(`${good.url}|direct`);
    const notice = new RegExp(
      `OVERRIDE: proxies ${good.url.replace(/[.]/g, '\\.')}, ${broken.url.replace(/[.]/g, '\\.')}; override in force since (\\S+), set by variable GO_PROXY_GUARD_OVERRIDE\\.`,
    );
    const since = notice.exec(first.warnings.join('\n'))?.[1];
    expect(since).toBeDefined();
    expect(first.summary.split('\n')[0]).toBe('> [!WARNING]');
    expect(first.summary).toMatch(notice);
    expect(first.report.override).toMatch(notice);
    expect(slack.accepted()).toHaveLength(1);
    expect(slack.accepted()[0]!.rawBody).toContain(`override in force since ${since}, set by variable GO_PROXY_GUARD_OVERRIDE`);
    expect(slack.accepted()[0]!.rawBody).toContain('OVERRIDE in force');

    const second = await c.run(inputs, { env });
    expect(notice.exec(second.warnings.join('\n'))?.[1]).toBe(since);

    // Removed: the configured proxies again, no notice.
    const removed = await c.run(inputs, { env: cacheServer.env });
    expect(removed.report.proxies.map((p: { url: string }) => p.url)).toEqual([configured.url]);
    expect(removed.warnings.join('\n')).not.toMatch(/OVERRIDE/);
    expect(removed.summary).not.toMatch(/OVERRIDE/);
  }, 120_000);

  test('direct: nothing probed, GOPROXY=direct exported, fail-on unhealthy passes; the input wins over the variable and names itself', async () => {
    const configured = await labProxy();
    const c = guardCase('override-direct');
    const r = await c.run({ ...quick, proxies: configured.url, 'fail-on': 'unhealthy' }, { env: { GO_PROXY_GUARD_OVERRIDE: 'direct' } });
    expect(r.code).toBe(0);
    expect(r.report.proxies).toEqual([]);
    expect(configured.requests).toHaveLength(0);
    expect(r.exportedEnv.GOPROXY).toBe('direct');
    expect(r.outputs.verdict).toBe('degraded');
    expect(r.report.reason).toBe('override direct: no proxy probed');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^go-proxy-guard: degraded\. .*override.*$/m);
    expect(r.stdout).not.toMatch(/This step fails the job/);
    expect(r.warnings.join('\n')).toMatch(
      /OVERRIDE: direct \(no proxy\); override in force since \S+, set by variable GO_PROXY_GUARD_OVERRIDE/,
    );

    const byInput = await c.run({ ...quick, proxies: configured.url, override: 'direct' }, { env: { GO_PROXY_GUARD_OVERRIDE: 'off' } });
    expect(byInput.exportedEnv.GOPROXY).toBe('direct');
    expect(byInput.warnings.join('\n')).toMatch(/set by input "override"/);
  });

  test('off: no network, the module cache comes from vendor/ only', async () => {
    const configured = await labProxy();
    const c = guardCase('override-off');
    await vendorProject(c.project.dir, { ...c.env, GOPROXY: configured.url });
    const before = configured.requests.length;
    const r = await c.run(
      { ...quick, prewarm: 'true', cache: 'false', proxies: configured.url },
      { env: { GO_PROXY_GUARD_OVERRIDE: 'off' } },
    );
    expect(r.code).toBe(0);
    expect(r.exportedEnv.GOPROXY).toBe('off');
    expect(r.outputs['ladder-step']).toBe('vendor');
    expect(r.report.reason).toBe('override off: no proxy probed; the vendor rung saved the job');
    expect(r.exportedEnv.GOFLAGS).toMatch(/(^| )-mod=vendor$/);
    expect(configured.requests.length).toBe(before);
    expect(r.warnings.join('\n')).toMatch(/OVERRIDE: off \(CI cache and vendor\/ only\)/);
    const build = await c.go(['build', './...'], { GOPROXY: 'off', GOFLAGS: '-mod=vendor' });
    expect(build.code).toBe(0);
  });

  test('a bad override names the variable and is an input error', async () => {
    const c = guardCase('override-bad');
    const r = await c.run({ ...quick }, { env: { GO_PROXY_GUARD_OVERRIDE: 'ftp://mirror.example' } });
    expect(r.code).not.toBe(0);
    expect(r.errors.join('\n')).toMatch(
      /input "GO_PROXY_GUARD_OVERRIDE" must be proxy URLs \(comma- or newline-separated\), "direct" or "off", got "ftp:\/\/mirror\.example"/,
    );
  });
});

describe('scheduled health check (.github/workflows/proxy-health.yml)', () => {
  interface Step {
    id?: string;
    uses?: string;
    with?: Record<string, string | number | boolean>;
  }
  const workflow = parseYaml(readFileSync(path.join(repoRoot, '.github/workflows/proxy-health.yml'), 'utf8')) as {
    on: { schedule: { cron: string }[] };
    jobs: Record<string, { steps: Step[]; env?: Record<string, string> }>;
  };
  const job = Object.values(workflow.jobs)[0]!;
  const guardStep = job.steps.find((s) => s.id === 'guard')!;

  /** The step's `with:` as the runner hands it over, with `vars` and `secrets` from the lab. */
  function stepInputs(ctx: Record<string, string>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(guardStep.with ?? {})) {
      out[k] = String(v).replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_m, name: string) => ctx[name] ?? '');
    }
    return out;
  }

  test('is a schedule that probes without building, keeps history, alerts with a cooldown and publishes status.json', () => {
    expect(workflow.on.schedule[0]!.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(guardStep.with).toMatchObject({ prewarm: false, 'alert-on': 'degraded' });
    expect(String(guardStep.with?.['alert-cooldown'])).toMatch(/^\d+h$/);
    expect(job.env?.GO_PROXY_GUARD_OVERRIDE).toBe('${{ vars.GO_PROXY_GUARD_OVERRIDE }}');
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(String(upload?.with?.path)).toContain('steps.guard.outputs.status');
  });

  test('over several runs: history, trend, time since the last failure and MTTR come out right', async () => {
    const cacheServer = await labCacheServer();
    const slack = await labReceiver('slack');
    const steady = await labProxy();
    const wobbly = await labProxy();
    const c = guardCase('scheduled');
    const inputs = {
      ...stepInputs({ 'secrets.GO_PROXY_GUARD_WEBHOOK': slack.url, 'vars.GO_PROXY_GUARD_SILENCE': '' }),
      proxies: `${steady.url}\n${wobbly.url}`,
      'probe-timeout': '3s',
    };
    const run = async () => {
      const r = await c.run(inputs, { env: { ...cacheServer.env, GITHUB_EVENT_NAME: 'schedule' } });
      expect(r.code).toBe(0);
      return { r, status: JSON.parse(readFileSync(r.outputs.status!, 'utf8')) };
    };
    // healthy, down, down, healthy, down: one repaired outage and one still going.
    const plan: Array<'ok' | 503> = ['ok', 503, 503, 'ok', 503];
    const runs = [];
    for (const fault of plan) {
      await wobbly.setFault(fault === 'ok' ? 'ok' : { status: fault });
      runs.push(await run());
    }
    const at = runs.map((x) => Date.parse(x.status.generatedAt));
    const last = runs[runs.length - 1]!.status;
    expect(last.schema).toBe('go-proxy-guard/status@1');
    expect(last.historyRuns).toBe(5);
    expect(last.verdict).toBe('degraded');
    const w = last.proxies.find((p: { url: string }) => p.url === wobbly.url);
    const s = last.proxies.find((p: { url: string }) => p.url === steady.url);
    expect(w).toMatchObject({ verdict: 'down', runs: 5, outages: 2, successRate: 0.4, streak: { kind: 'down', runs: 1 } });
    // MTTR: from the first failing run of the repaired outage to the run that found it healthy.
    expect(w.mttrMs).toBe(at[3]! - at[1]!);
    expect(w.lastFailureAt).toBe(runs[4]!.status.generatedAt);
    expect(w.sinceLastFailureMs).toBe(0);
    expect([...w.trend]).toHaveLength(5);
    expect([...w.trend][1]).toBe('🟥'); // the run it was down
    expect(s).toMatchObject({ verdict: 'healthy', runs: 5, outages: 0, successRate: 1, mttrMs: null, lastFailureAt: null });
    // The previous run's document: the repaired outage, and the time since its last failure.
    const fourth = runs[3]!.status.proxies.find((p: { url: string }) => p.url === wobbly.url);
    expect(fourth.sinceLastFailureMs).toBe(at[3]! - at[2]!);
    expect(fourth.mttrMs).toBe(at[3]! - at[1]!);
    // The summary people look at carries the trend.
    expect(runs[4]!.r.summary).toContain(w.trend);
    // Alerts with the cooldown: the first outage, its recovery, the second outage.
    expect(slack.accepted().map((a) => (/healthy again/i.test(a.rawBody) ? 'recovery' : 'alert'))).toEqual(['alert', 'recovery', 'alert']);
  }, 240_000);
});
