import { replaceFile } from '../secrets/own-files.js';
import * as path from 'node:path';
import { buildAlertMessage } from '../alert/message.js';
import { applySilence, conditionOf, decideAlert, settleAlertState, type AlertDecision } from '../alert/policy.js';
import { sendAlerts } from '../alert/send.js';
import { describeSilence, silencingWindows } from '../alert/silence.js';
import type { Config } from '../config/config.js';
import { appendMetrics } from '../history/metrics-file.js';
import { proxyStats, recordRun } from '../history/history.js';
import { buildStatus, STATUS_FILE, statusJson, type StatusDocument } from '../history/status.js';
import type { Platform } from '../platform/platform.js';
import { annotationsFor } from '../report/annotations.js';
import type { RunContext } from '../model/run-context.js';
import type { RunReport } from '../model/run-report.js';
import { renderStatusPage, STATUS_PAGE_FILE } from '../report/status-page/page.js';
import { renderSummary } from '../report/summary.js';
import type { Secrets } from '../secrets/secrets.js';
import type { GuardState } from '../state/guard-state.js';
import type { GateDecision } from '../model/gate.js';

/** What the alert policy decided for this run, before anything is published: the report says when a window held it back. */
export type AlertPlan = AlertDecision & { silenced?: string };

/**
 * Decide whether this run alerts (policy, cooldown, silence windows); no
 * alert is configured: undefined. Decided before the report is written, so
 * that the report says what the summary says.
 */
export function planAlert(config: Config, report: RunReport, state: GuardState, ctx: RunContext): AlertPlan | undefined {
  if (config.alerts.webhooks.length === 0) return undefined;
  const input = { on: config.alerts.on, report, state: state.alerts, now: ctx.at, cooldownMs: config.alerts.cooldownMs };
  return applySilence(decideAlert(input), input, (failing) => {
    const by = silencingWindows(config.alerts.silence, ctx.at, failing);
    return by.length > 0 ? describeSilence(by) : undefined;
  });
}

/** The note a held-back alert leaves in the report. */
export const silencedNote = (plan: AlertPlan | undefined): string[] =>
  plan?.silenced ? [`alert ${plan.silenced} (the verdict and the gate are unchanged)`] : [];

/**
 * Tell people: history, summary, annotations, metrics, alerts, the status
 * document. Nothing here may fail the job: a lost summary, metrics file or
 * alert is a warning. The report is final: nothing here changes it.
 */
export async function publishStage(opts: {
  config: Config;
  report: RunReport;
  gate: GateDecision;
  platform: Platform;
  secrets: Secrets;
  state: GuardState;
  alert: AlertPlan | undefined;
  /** Where and when this run happened (taken once: the alert plan used it too). */
  context: RunContext;
}): Promise<{ state: GuardState; statusPath: string | undefined; statusPagePath: string | undefined }> {
  const { config, report, gate, platform, secrets, alert, context: ctx } = opts;
  const state = recordRun(opts.state, report, ctx, config.history.size, alert?.silenced);
  if (alert) state.alerts = await sendAlert(alert, { config, report, platform, secrets, ctx, prior: state.alerts });
  const history = proxyStats(state.history, ctx.at);
  try {
    const summary = renderSummary(report, { history, context: ctx, gate, score: config.score });
    // An override must never be forgotten: it heads the summary.
    await platform.writeSummary(report.override ? `> [!WARNING]\n> **${report.override}**\n\n${summary}` : summary);
  } catch (err) {
    platform.warning(`the job summary could not be written: ${(err as Error).message}`);
  }
  const status = () => buildStatus(report, history, ctx, { history: state.history, override: report.override, silenced: alert?.silenced });
  const statusPath = await writeFile(platform, STATUS_FILE, () => secrets.mask(statusJson(status())), 'the status document');
  // Masked before it is drawn: a secret is replaced in the data, never inside the page's own markup.
  const masked = () => JSON.parse(secrets.mask(JSON.stringify(status()))) as StatusDocument;
  const statusPagePath = config.statusPage
    ? await writeFile(platform, STATUS_PAGE_FILE, () => renderStatusPage(masked()), 'the status page')
    : undefined;
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
  return { state, statusPath, statusPagePath };
}

/** A file of the reports directory; a failure (to render or to write) is a warning and leaves no path. */
async function writeFile(platform: Platform, name: string, render: () => string, what: string): Promise<string | undefined> {
  try {
    const text = render();
    const file = path.join(platform.workDir, name);
    await replaceFile(file, text);
    return file;
  } catch (err) {
    platform.warning(`${what} could not be written: ${(err as Error).message}`);
    return undefined;
  }
}

/** Act on the alert plan: nothing to send (said why), or send it; returns the alert state to keep. */
async function sendAlert(
  plan: AlertPlan,
  o: { config: Config; report: RunReport; platform: Platform; secrets: Secrets; ctx: RunContext; prior: GuardState['alerts'] },
): Promise<GuardState['alerts']> {
  if (plan.action !== 'none') return deliver(plan, o);
  o.platform.info(`alert: not sent (${plan.reason})`);
  return plan.nextState;
}

/**
 * Send an alert or recovery, once per run: where the platform can hold an
 * election (a matrix on GitHub), only the job that wins it sends; the others
 * keep the state as if they had sent, so the cooldown holds whichever job's
 * state the next run restores.
 */
async function deliver(
  decision: AlertDecision,
  o: {
    config: Config;
    report: RunReport;
    platform: Platform;
    secrets: Secrets;
    ctx: RunContext;
    prior: GuardState['alerts'];
  },
): Promise<GuardState['alerts']> {
  const { config, report, platform, secrets, ctx } = o;
  if (platform.alertClaim) {
    const claim = await platform.alertClaim.claim(`${decision.action}:${conditionOf(report)}`);
    if (claim.outcome === 'lost') {
      platform.info(`alert: ${decision.action} left to another job of this run, which claimed ${claim.key} first (${decision.reason})`);
      return decision.nextState;
    }
    if (claim.outcome === 'unknown') platform.info(`alert: could not hold the one-sender election (${claim.why}); sending from this job`);
  }
  const message = buildAlertMessage({ kind: decision.action === 'recovery' ? 'recovery' : 'alert', report, context: ctx, secrets });
  const log = { info: (m: string) => platform.info(m), warning: (m: string) => platform.warning(m, 'go-proxy-guard alert') };
  const results = await sendAlerts(config.alerts.webhooks, message, { secret: config.alerts.secret, secrets, log });
  const sent = results.filter((r) => r.ok).length;
  platform.info(`alert: ${decision.action} sent to ${sent} of ${results.length} webhooks (${decision.reason})`);
  return settleAlertState(o.prior, decision, results);
}
