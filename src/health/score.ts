import { DEFAULT_SCORE_MODEL, type ScoreModel, type ScoreParts } from '../model/score.js';

export interface Score {
  value: number;
  parts: ScoreParts;
}

export interface ScoreInput {
  successRate: number;
  /** Median latency of successful requests; null when none succeeded. */
  latencyP50Ms: number | null;
  /** Days until the certificate expires; null for plain HTTP (nothing to expire). */
  tlsDaysLeft: number | null;
}

export function scoreProxy(input: ScoreInput, model: ScoreModel = DEFAULT_SCORE_MODEL): Score {
  const parts: ScoreParts = {
    success: successPart(input.successRate, model),
    latency: input.latencyP50Ms === null ? 0 : latencyPart(input.latencyP50Ms, model),
    cert: certPart(input.tlsDaysLeft, model),
  };
  const w = model.weights;
  const total = w.success + w.latency + w.cert;
  const value = (w.success * parts.success + w.latency * parts.latency + w.cert * parts.cert) / total;
  return { value: round3(value), parts: { success: round3(parts.success), latency: round3(parts.latency), cert: parts.cert } };
}

function successPart(rate: number, m: ScoreModel): number {
  if (rate >= m.successFull) return 1;
  if (rate <= m.successFloor) return 0;
  return (rate - m.successFloor) / (m.successFull - m.successFloor);
}

/** Steepness chosen so the curve falls from ~0.95 to ~0.05 across ±(max-mid)/2 around the centre. */
function latencyPart(ms: number, m: ScoreModel): number {
  if (ms >= m.latencyMaxMs) return 0;
  const k = (m.latencyMaxMs - m.latencyMidMs) / 6;
  const logistic = (x: number) => 1 / (1 + Math.exp((x - m.latencyMidMs) / k));
  // Normalised so an instant answer scores 1.
  return Math.min(1, logistic(ms) / logistic(0));
}

function certPart(daysLeft: number | null, m: ScoreModel): number {
  if (daysLeft === null) return 1;
  if (daysLeft < m.certCriticalDays) return 0.2;
  if (daysLeft < m.certWarnDays) return 0.6;
  return 1;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;
