import type { Verdict, ProxyVerdict } from '../model/verdict.js';
import type { LadderStep } from '../model/ladder.js';
import type { ScoreParts } from '../model/score.js';

/**
 * What survives between runs (alert deduplication and health history), kept
 * small: it is stored in the CI cache (GitHub), the job cache (GitLab) or a
 * file (terminal) per repository and workflow.
 */
export const STATE_VERSION = 1;

export interface GuardState {
  version: typeof STATE_VERSION;
  alerts: AlertState;
  /** Oldest first, at most `history-size` runs. */
  history: RunRecord[];
  /** The emergency override last seen (a fingerprint of its value), and since when: the variable itself carries no date. */
  override?: { value: string; since: string };
}

export interface AlertState {
  /** The condition last alerted on (verdict + failing proxies), while it lasts. */
  lastCondition?: string;
  lastSentAt?: string;
  /** True between an alert and the recovery message that ends it. */
  open: boolean;
  /**
   * An alert held back by a silence window: once the window is over, a
   * condition still failing is sent at once (the cooldown does not apply).
   */
  silenced?: { condition: string; by: string; since: string };
}

export interface ProxyRecord {
  /** Masked URL. */
  url: string;
  verdict: ProxyVerdict;
  score: number;
  latencyP50Ms: number | null;
  successRate: number;
  /** What the score was made of (absent in records of older versions). */
  parts?: ScoreParts;
}

export interface RunRecord {
  /** ISO time of the run. */
  at: string;
  runId?: string;
  verdict: Verdict;
  ladderStep?: LadderStep;
  downloadMs?: number;
  proxies: ProxyRecord[];
  /** "silenced by <window>" when this run's alert was held back. */
  silenced?: string;
  /** The emergency override in force during this run. */
  override?: string;
}

export function emptyState(): GuardState {
  return { version: STATE_VERSION, alerts: { open: false }, history: [] };
}

/** Where state lives between runs. Loading never throws: lost state means a fresh start, with a warning. */
export interface StateStore {
  load(): Promise<GuardState>;
  save(state: GuardState): Promise<void>;
}
