import type { GoDiagnosis } from '../diagnosis/go-output.js';
import { isUnderProxy } from '../goproxy/proxy-url.js';
import { backoffDelay, BACKOFF_CAP_MS } from './backoff.js';
import type { DownloadAttempt } from './download.js';

/** The rungs, in the order they are tried (DESIGN.md, the degradation ladder). */
export type LadderStep = 'proxy' | 'retry' | 'direct' | 'cache' | 'vendor' | 'failed';

export interface RungRecord {
  step: LadderStep;
  /** What was tried: the GOPROXY used, or what was checked. */
  detail: string;
  outcome: 'ok' | 'failed' | 'skipped';
  reason: string;
  ms: number;
  diagnosis?: GoDiagnosis;
}

export interface LadderResult {
  step: LadderStep;
  rungs: RungRecord[];
  modules: number;
  /** The last attempt's modules (the build list), when one succeeded. */
  buildList: string[];
  /** Set when a fatal dependency error stopped the ladder, or nothing worked. */
  diagnosis?: GoDiagnosis;
  /** GOFLAGS later steps need (vendor rung). */
  goflags?: string;
}

export interface LadderPlan {
  /** Healthy proxies, best first (their real URLs: they are handed to go). */
  proxies: string[];
  /** The healthy proxies known now, when the probe is still finishing while warming starts. */
  refresh?: () => string[];
  /** Resolves when the probe has finished: more healthy proxies may be known then. */
  probeDone?: Promise<unknown>;
  retries: number;
  backoffMs: number;
  directAllowed: boolean;
  /** Whether a cache entry was restored (exact or partial) before the ladder. */
  cacheRestored: boolean;
  /**
   * Try the restored cache before direct: it is complete (an exact key) or
   * may be (restored by the platform), and direct means slow VCS fetches.
   */
  cacheBeforeDirect?: boolean;
  /**
   * The restore holds the whole build list already (an exact key, every
   * restored module hashed clean): the cache is the first rung, so the report
   * says the cache, not a proxy that was never asked, carried the job.
   */
  cacheFirst?: boolean;
  vendorFallback: boolean;
  hasVendor: boolean;
}

export interface LadderIo {
  download(goproxy: string): Promise<DownloadAttempt>;
  /** go mod download from the module cache alone, then go mod verify. */
  offline(): Promise<DownloadAttempt & { verified: boolean; verifyOutput: string }>;
  vendor(): Promise<{ ok: boolean; output: string }>;
  sleep(ms: number): Promise<void>;
  log(message: string): void;
  random?: () => number;
}

const joinChain = (proxies: string[]) => proxies.join('|');

/**
 * Walk the ladder until a rung yields a complete module cache.
 * Fatal dependency errors (checksum mismatch, unknown revision, bad go.mod)
 * stop it at once: they are facts about the code, not about the network.
 */
export async function climbLadder(plan: LadderPlan, io: LadderIo): Promise<LadderResult> {
  const rungs: RungRecord[] = [];
  const done = (step: LadderStep, a: DownloadAttempt, extra: Partial<LadderResult> = {}): LadderResult => ({
    step,
    rungs,
    modules: a.modules.length,
    buildList: a.modules.map((m) => `${m.Path}@${m.Version}`),
    ...extra,
  });
  const fail = (diagnosis: GoDiagnosis | undefined): LadderResult => {
    rungs.push({ step: 'failed', detail: '', outcome: 'failed', reason: diagnosis?.message ?? 'no rung produced a complete module cache', ms: 0, diagnosis });
    return { step: 'failed', rungs, modules: 0, buildList: [], diagnosis };
  };
  let last: GoDiagnosis | undefined;

  // The cache first, when the restore already holds everything (see cacheFirst).
  if (plan.cacheFirst) {
    const a = await io.offline();
    const ok = a.ok && a.verified;
    const reason = ok ? 'exact restore, complete and verified' : !a.ok ? (a.diagnosis?.message ?? 'incomplete') : `go mod verify failed: ${a.verifyOutput}`;
    rungs.push({ step: 'cache', detail: 'GOPROXY=off', outcome: ok ? 'ok' : 'failed', reason, ms: a.durationMs, diagnosis: a.diagnosis });
    if (ok) return done('cache', a);
    if (a.diagnosis?.class === 'fatal') return fail(a.diagnosis);
  }

  // Rungs 1-2: the ranked proxies, then retries of transient failures with the next proxy leading.
  // A proxy that broke is dropped; one that failed transiently leads no more (but "|" may still fall back to it).
  const dropped = new Set<string>();
  const demoted: string[] = [];
  const currentOrder = () => {
    const base = (plan.refresh?.() ?? plan.proxies).filter((u) => !dropped.has(u));
    return [...base.filter((u) => !demoted.includes(u)), ...demoted.filter((u) => base.includes(u))];
  };
  let order = [...plan.proxies];
  let retriesLeft = plan.retries;
  let attempt = 0;
  while (order.length > 0) {
    const step: LadderStep = attempt === 0 ? 'proxy' : last?.class === 'transient' ? 'retry' : 'proxy';
    if (attempt > 0 && step === 'retry') {
      const wait = backoffDelay(plan.retries - retriesLeft, plan.backoffMs, BACKOFF_CAP_MS, io.random);
      io.log(`retrying in ${wait} ms after ${last?.message}`);
      await io.sleep(wait);
    }
    attempt++;
    const goproxy = joinChain(order);
    const a = await io.download(goproxy);
    rungs.push(record(step, goproxy, a));
    if (a.ok) return done(step, a);
    last = a.diagnosis;
    if (last?.class === 'fatal') return fail(last);
    const culprit = implicated(order, last);
    if (last?.killed) {
      // It gave nothing within download-timeout: retrying it would cost that again.
      dropped.add(culprit);
      if (retriesLeft-- <= 0) break;
    } else if (last?.class === 'transient') {
      if (retriesLeft-- <= 0) break;
      const i = demoted.indexOf(culprit);
      if (i >= 0) demoted.splice(i, 1);
      demoted.push(culprit);
    } else if (last?.class === 'proxy-broken') {
      dropped.add(culprit);
    } else {
      // Not found behind every proxy: only direct (or the caches) can have it.
      break;
    }
    order = currentOrder();
    if (order.length === 0 && plan.probeDone) {
      // Out of proxies while the probe still runs: the slower healthy ones are worth waiting for.
      await plan.probeDone;
      order = currentOrder();
    }
  }
  if (plan.proxies.length === 0) rungs.push({ step: 'proxy', detail: '', outcome: 'skipped', reason: 'no healthy proxy', ms: 0 });

  // Rung 3: direct, where the user allows it.
  const direct = async (): Promise<LadderResult | undefined> => {
    if (!plan.directAllowed) {
      rungs.push({ step: 'direct', detail: 'direct', outcome: 'skipped', reason: 'direct is not allowed', ms: 0 });
      return undefined;
    }
    const a = await io.download('direct');
    rungs.push(record('direct', 'direct', a));
    if (a.ok) return done('direct', a);
    if (a.diagnosis?.class === 'fatal') return fail(a.diagnosis);
    last = a.diagnosis ?? last;
    return undefined;
  };
  // Rung 4: whatever the CI cache restored, served offline and verified.
  const cache = async (): Promise<LadderResult | undefined> => {
    if (!plan.cacheRestored || plan.cacheFirst) {
      const reason = plan.cacheFirst ? 'tried first' : 'nothing restored from the CI cache';
      rungs.push({ step: 'cache', detail: '', outcome: 'skipped', reason, ms: 0 });
      return undefined;
    }
    const a = await io.offline();
    const ok = a.ok && a.verified;
    const reason = !a.ok ? (a.diagnosis?.message ?? 'incomplete') : ok ? 'complete and verified' : `go mod verify failed: ${a.verifyOutput}`;
    rungs.push({ step: 'cache', detail: 'GOPROXY=off', outcome: ok ? 'ok' : 'failed', reason, ms: a.durationMs, diagnosis: a.diagnosis });
    if (ok) return done('cache', a);
    if (a.diagnosis?.class === 'fatal') return fail(a.diagnosis);
    last = a.diagnosis ?? last;
    return undefined;
  };
  for (const rung of plan.cacheBeforeDirect ? [cache, direct] : [direct, cache]) {
    const result = await rung();
    if (result) return result;
  }

  // Rung 5: vendor/, when present and consistent with go.mod.
  if (plan.vendorFallback && plan.hasVendor) {
    const started = Date.now();
    const v = await io.vendor();
    rungs.push({ step: 'vendor', detail: '-mod=vendor', outcome: v.ok ? 'ok' : 'failed', reason: v.ok ? 'vendor/ is consistent with go.mod' : v.output, ms: Date.now() - started });
    if (v.ok) return { step: 'vendor', rungs, modules: 0, buildList: [], goflags: '-mod=vendor' };
  } else {
    rungs.push({ step: 'vendor', detail: '', outcome: 'skipped', reason: plan.hasVendor ? 'vendor-fallback is false' : 'no vendor/', ms: 0 });
  }
  return fail(last);
}

function record(step: LadderStep, goproxy: string, a: DownloadAttempt): RungRecord {
  return {
    step,
    detail: `GOPROXY=${goproxy}`,
    outcome: a.ok ? 'ok' : 'failed',
    reason: a.ok ? `${a.modules.length} modules` : (a.diagnosis?.message ?? 'failed'),
    ms: a.durationMs,
    diagnosis: a.diagnosis,
  };
}

/** The proxy the go command named in its error, else the one it asked first. */
function implicated(order: string[], d: GoDiagnosis | undefined): string {
  const url = d?.url;
  const named = url ? order.find((u) => isUnderProxy(url, u)) : undefined;
  return named ?? (order[0] as string);
}
