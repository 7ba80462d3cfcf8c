import type { AlertOn } from '../config/config.js';
import type { Verdict } from '../model/verdict.js';
import type { RunReport } from '../model/run-report.js';
import type { AlertState } from '../state/guard-state.js';

export type AlertAction = 'alert' | 'recovery' | 'none';

export interface AlertDecision {
  action: AlertAction;
  /** Why, in one line, for the log: a suppressed alert must be explainable. */
  reason: string;
  /** The state to keep if the message is delivered (see `settleAlertState`). */
  nextState: AlertState;
}

export interface AlertPolicyInput {
  on: AlertOn;
  report: Pick<RunReport, 'verdict' | 'proxies' | 'warm'>;
  state: AlertState;
  now: Date;
  cooldownMs: number;
}

/**
 * The identity of what is wrong: the verdict, which proxies fail and whether
 * the ladder ran out of rungs. Latencies, scores and failure wording are left
 * out on purpose: they change every run and would defeat the cooldown.
 */
export function conditionOf(report: Pick<RunReport, 'verdict' | 'proxies' | 'warm'>): string {
  const failing = [...new Set(report.proxies.filter((p) => p.verdict !== 'healthy').map((p) => p.url))].sort();
  const parts = [`verdict=${report.verdict}`, `failing=${failing.join(',')}`];
  if (report.warm?.ladderStep === 'failed') parts.push('ladder=failed');
  return parts.join(';');
}

/** Which verdicts `alert-on` asks to hear about. */
function wants(on: AlertOn, verdict: Verdict): boolean {
  switch (on) {
    case 'always':
      return true;
    case 'degraded':
      return verdict !== 'healthy';
    case 'failed':
      return verdict === 'failed';
    case 'never':
      return false;
  }
}

/**
 * Decide whether this run sends an alert, a recovery or nothing.
 *
 * - `never` sends nothing and leaves the state alone.
 * - `always` sends on every run (a run that ends an open incident is sent as
 *   the recovery); the cooldown does not apply, since every run was asked for.
 * - `degraded` / `failed`: a condition they cover is sent at once when it is
 *   new or changed, and the identical condition is not sent again until
 *   `cooldownMs` has passed since it was last sent (across runs, via state).
 * - Once an alert is open, the first healthy run sends exactly one recovery
 *   and closes it. A run that is merely below the threshold (degraded under
 *   `failed`) is not a recovery: the incident stays open until healthy.
 */
export function decideAlert(input: AlertPolicyInput): AlertDecision {
  const { on, report, state, now, cooldownMs } = input;
  if (on === 'never') return { action: 'none', reason: 'alert-on is never', nextState: state };

  const verdict = report.verdict;
  const condition = conditionOf(report);
  const sentAt = now.toISOString();

  if (state.open && verdict === 'healthy') {
    return {
      action: 'recovery',
      reason: `verdict is healthy again after an alert${state.lastCondition ? ` (${state.lastCondition})` : ''}`,
      nextState: { open: false, lastSentAt: sentAt },
    };
  }

  if (!wants(on, verdict)) {
    const reason = state.open
      ? `verdict ${verdict} is below alert-on ${on}; the open alert stays open until the verdict is healthy`
      : `verdict ${verdict} does not reach alert-on ${on}`;
    return { action: 'none', reason, nextState: state };
  }

  // A condition held back by a silence window is sent once the window is over, cooldown or not.
  if (on !== 'always' && !state.silenced && state.lastCondition === condition && state.lastSentAt) {
    const elapsed = now.getTime() - Date.parse(state.lastSentAt);
    // A lastSentAt in the future (clock skew, hand-edited state) must not mute alerts forever.
    if (elapsed >= 0 && elapsed < cooldownMs) {
      return {
        action: 'none',
        reason: `same condition already alerted at ${state.lastSentAt}; cooldown of ${cooldownMs} ms not over`,
        nextState: state,
      };
    }
  }

  const why =
    on === 'always'
      ? 'alert-on is always'
      : state.silenced
        ? `still ${verdict} after the silence window (${state.silenced.by})`
        : state.lastCondition === condition
          ? `condition persists after the ${cooldownMs} ms cooldown`
          : state.lastCondition
            ? 'condition changed'
            : 'new condition';
  return {
    action: 'alert',
    reason: `verdict ${verdict}: ${why}`,
    // Under `always` a healthy run is a status report, not an incident to recover from.
    nextState: { lastCondition: condition, lastSentAt: sentAt, open: verdict !== 'healthy' },
  };
}

/** The failing proxies named in a condition (see `conditionOf`). */
export function failingOf(condition: string | undefined): string[] {
  const part = (condition ?? '').split(';').find((p) => p.startsWith('failing='));
  return part ? part.slice('failing='.length).split(',').filter(Boolean) : [];
}

/**
 * Hold a decision back when a silence window covers it. An alert is not sent
 * and is remembered, so that it goes out once the window is over if the
 * condition still holds; a recovery during the window closes the incident
 * without a message; a silenced condition that heals is forgotten.
 * `silencedBy` answers which windows cover the given failing proxies now.
 */
export function applySilence(
  decision: AlertDecision,
  input: Pick<AlertPolicyInput, 'report' | 'state' | 'now'>,
  silencedBy: (failing: string[]) => string | undefined,
): AlertDecision & { silenced?: string } {
  const { report, state, now } = input;
  if (decision.action === 'alert') {
    const condition = conditionOf(report);
    const by = silencedBy(failingOf(condition));
    if (!by) return decision;
    const since = state.silenced?.since ?? now.toISOString();
    return {
      action: 'none',
      reason: `${by}; verdict and gate unchanged`,
      silenced: by,
      nextState: { ...state, silenced: { condition, by, since } },
    };
  }
  if (decision.action === 'recovery') {
    const by = silencedBy(failingOf(state.lastCondition));
    if (!by) return decision;
    // Nothing was sent: the last send time stays what it was.
    const nextState = { open: false, ...(state.lastSentAt ? { lastSentAt: state.lastSentAt } : {}) };
    return { action: 'none', reason: `recovery ${by}: the incident is closed without a message`, silenced: by, nextState };
  }
  if (state.silenced && report.verdict === 'healthy') {
    const rest = { ...decision.nextState };
    delete rest.silenced;
    return { ...decision, reason: `recovered while ${state.silenced.by}: no message`, nextState: rest };
  }
  return decision;
}

/**
 * The state to store after sending: the decision's next state when at least
 * one webhook took the message, else the prior state, so an alert that never
 * arrived is tried again next run instead of being muted by the cooldown.
 */
export function settleAlertState(prior: AlertState, decision: AlertDecision, results: ReadonlyArray<{ ok: boolean }>): AlertState {
  if (decision.action === 'none') return decision.nextState;
  return results.some((r) => r.ok) ? decision.nextState : prior;
}
