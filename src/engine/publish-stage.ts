import { buildAlertMessage } from '../alert/message.js';
import { decideAlert, settleAlertState } from '../alert/policy.js';
import { sendAlerts } from '../alert/send.js';
import type { Config } from '../config/config.js';
import { appendMetrics } from '../history/metrics-file.js';
import { proxyStats, recordRun } from '../history/history.js';
import type { Platform } from '../platform/platform.js';
import { annotationsFor } from '../report/annotations.js';
import type { RunReport } from '../report/run-report.js';
import { renderSummary } from '../report/summary.js';
import type { Secrets } from '../secrets/secrets.js';
import type { GuardState } from '../state/guard-state.js';
import type { GateDecision } from './gate.js';

/**
 * Tell people: history, summary, annotations, metrics, alerts. Nothing here
 * may fail the job: a lost summary, metrics file or alert is a warning.
 */
export async function publishStage(opts: {
  config: Config;
  report: RunReport;
  gate: GateDecision;
  platform: Platform;
  secrets: Secrets;
  state: GuardState;
}): Promise<GuardState> {
  const { config, report, gate, platform, secrets } = opts;
  const ctx = platform.runContext();
  const state = recordRun(opts.state, report, ctx, config.history.size);
  if (config.alerts.webhooks.length > 0) {
    const decision = decideAlert({ on: config.alerts.on, report, state: state.alerts, now: ctx.at, cooldownMs: config.alerts.cooldownMs });
    if (decision.action === 'none') platform.info(`alert: not sent (${decision.reason})`);
    else {
      const message = buildAlertMessage({ kind: decision.action, report, context: ctx, secrets });
      const log = { info: (m: string) => platform.info(m), warning: (m: string) => platform.warning(m, 'go-proxy-guard alert') };
      const results = await sendAlerts(config.alerts.webhooks, message, { secret: config.alerts.secret, secrets, log });
      const sent = results.filter((r) => r.ok).length;
      platform.info(`alert: ${decision.action} sent to ${sent} of ${results.length} webhooks (${decision.reason})`);
      state.alerts = settleAlertState(state.alerts, decision, results);
    }
  }
  try {
    await platform.writeSummary(renderSummary(report, { history: proxyStats(state.history, ctx.at), context: ctx, gate }));
  } catch (err) {
    platform.warning(`the job summary could not be written: ${(err as Error).message}`);
  }
  for (const a of annotationsFor(report)) {
    if (a.level === 'error') platform.error(a.message, a.title);
    else platform.warning(a.message, a.title);
  }
  if (config.metricsFile) {
    try {
      const format = await appendMetrics(config.metricsFile, report, ctx);
      platform.info(`metrics (${format}) written to ${config.metricsFile}`);
    } catch (err) {
      platform.warning(`metrics could not be written to ${config.metricsFile}: ${(err as Error).message}`);
    }
  }
  return state;
}
