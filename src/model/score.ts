/** The score model the user tunes (inputs) and the parts a proxy's score is made of. */

/**
 * The health score (docs/probing.md): H = wS*S + wR*R + wC*C, each part in 0..1.
 * S: success rate, 0 at `successFloor`, 1 at `successFull`, linear between.
 * R: latency p50 on a logistic curve centred at `latencyMidMs`, 0 beyond `latencyMaxMs`.
 * C: certificate life: under `certCriticalDays` 0.2, under `certWarnDays` 0.6, else 1.
 */
export interface ScoreModel {
  weights: { success: number; latency: number; cert: number };
  successFloor: number;
  successFull: number;
  latencyMidMs: number;
  latencyMaxMs: number;
  certCriticalDays: number;
  certWarnDays: number;
}

export const DEFAULT_SCORE_MODEL: ScoreModel = {
  weights: { success: 0.4, latency: 0.35, cert: 0.25 },
  successFloor: 0.8,
  successFull: 0.95,
  latencyMidMs: 500,
  latencyMaxMs: 2000,
  certCriticalDays: 7,
  certWarnDays: 30,
};

export interface ScoreParts {
  success: number;
  latency: number;
  cert: number;
}
