/**
 * What a run leaves behind, in-process: the report file, then publishStage
 * (history, summary, status document and page, annotations, metrics,
 * alerts) with the fake Platform and a real webhook receiver on loopback.
 * The report is the shared fixture; the Config comes from prepareStage.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decideGate, gateInputOf } from '../../src/engine/gate.js';
import { prepareStage } from '../../src/engine/prepare-stage.js';
import { planAlert, publishStage } from '../../src/engine/publish-stage.js';
import { writeReport } from '../../src/report/write-report.js';
import { emptyState } from '../../src/state/guard-state.js';
import { closeLabServers, labReceiver } from '../lab/guard-case.js';
import { stageCase, type StageCase } from '../lab/stage-case.js';
import { downIo, healthyProxy, runReport, staleCn, type RunReport } from '../unit/fixtures/report.js';

afterEach(closeLabServers);

/** publishStage as runGuard calls it, the gate decided first. */
async function publish(c: StageCase, report: RunReport, state = emptyState()) {
  const run = await prepareStage(c.ctx);
  const gate = decideGate(gateInputOf(run, report));
  const context = c.platform.runContext();
  const alert = planAlert(run.config, report, state, context);
  return publishStage({ config: run.config, report, gate, platform: c.platform, secrets: c.secrets, state, alert, context });
}

test('a degraded run: the history keeps it, the summary and the status document say it, each failing proxy is an annotation', async () => {
  const c = stageCase('stage-publish', { 'status-page': 'true' });
  const published = await publish(c, runReport());
  expect(published.state.history.map((h) => h.verdict)).toEqual(['degraded']);
  const status = JSON.parse(readFileSync(published.statusPath!, 'utf8'));
  expect(status).toMatchObject({ schema: 'go-proxy-guard/status@1', verdict: 'degraded', historyRuns: 1 });
  expect(path.dirname(published.statusPagePath!)).toBe(c.platform.workDir);
  expect(existsSync(published.statusPagePath!)).toBe(true);
  expect(c.platform.summaries).toHaveLength(1);
  expect(c.platform.summaries[0]).toMatch(/go-proxy-guard: degraded/);
  const warnings = c.platform.lines('warning').join('\n');
  for (const p of [staleCn(), downIo()]) expect(warnings).toContain(p.url);
  expect(c.platform.lines('fail')).toEqual([]);
});

test("a proxy's credentials never reach the report file or the status document", async () => {
  const c = stageCase('stage-publish-secrets', {});
  const url = c.secrets.addUrl('https://ci-bot:Pr0xy-pa55@goproxy.corp.example/go');
  const report = runReport({ proxies: [healthyProxy('https://ci-bot:Pr0xy-pa55@goproxy.corp.example/go'), downIo()] });
  expect(url).not.toContain('Pr0xy-pa55');
  const reportFile = await writeReport(c.platform.workDir, report, c.secrets);
  const published = await publish(c, report);
  for (const file of [reportFile, published.statusPath!]) {
    const text = readFileSync(file, 'utf8');
    expect([file, text.includes('Pr0xy-pa55')]).toEqual([file, false]);
    expect(text).toContain('goproxy.corp.example/go');
  }
  expect(c.platform.summaries.join('\n')).not.toContain('Pr0xy-pa55');
});

test('an alert reaches the webhook once; the state it returns keeps the next run within the cooldown quiet', async () => {
  const slack = await labReceiver('slack');
  const c = stageCase('stage-publish-alert', { 'webhook-url': slack.url, 'alert-cooldown': '1h' });
  const first = await publish(c, runReport());
  expect(slack.accepted()).toHaveLength(1);
  expect(slack.accepted()[0]!.rawBody).toContain(downIo().url);
  // The webhook URL is a secret: nothing the platform was handed shows its token.
  expect(JSON.stringify(c.platform.log)).not.toContain(slack.token);
  await publish(c, runReport(), first.state);
  expect(slack.accepted()).toHaveLength(1);
});

test('metrics are appended to metrics-file; one that cannot be written is a warning, never a failure', async () => {
  const c = stageCase('stage-publish-metrics', { 'metrics-file': 'metrics/guard.csv' });
  await publish(c, runReport());
  const csv = readFileSync(path.join(c.dir, 'metrics', 'guard.csv'), 'utf8')
    .trim()
    .split('\n');
  expect(csv.length).toBeGreaterThan(1);
  expect(csv.slice(1).some((row) => row.includes('https://goproxy.io'))).toBe(true);

  writeFileSync(path.join(c.dir, 'not-a-dir'), '');
  const blocked = stageCase('stage-publish-metrics-blocked', { 'metrics-file': path.join(c.dir, 'not-a-dir', 'guard.prom') });
  const published = await publish(blocked, runReport());
  expect(published.state.history).toHaveLength(1);
  expect(blocked.platform.lines('warning').filter((w) => w.startsWith('metrics could not be written to '))).toHaveLength(1);
});
