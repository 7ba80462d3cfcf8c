import type { GoDiagnosis } from '../diagnosis/go-output.js';
import { isUnderProxy } from '../goproxy/proxy-url.js';
import { backoffDelay, BACKOFF_CAP_MS } from '../diagnosis/backoff.js';
import type { DownloadAttempt } from './download.js';

/** The rungs, in the order they are tried (DESIGN.md, the degradation ladder). */
export type LadderStep = 'proxy' | 'retry' | 'direct' | 'cache' | 'vendor' | 'failed';

export interface RungRecord {
  step: LadderStep;
  /** What was tried: the GOPROXY used, or what was checked. */
  detail: string;
  /** waited: the ladder waited for the probe to judge the proxies still being probed. */
  outcome: 'ok' | 'failed' | 'skipped' | 'waited';
  reason: string;
  ms: number;
  diagnosis?: GoDiagnosis;
}

/** A proxy that failed while the warm downloaded through it (the probe reads only the start of one zip). */
export interface WarmFailure {
  /** The proxy's real URL (mask before showing). */
  url: string;
  diagnosis: GoDiagnosis;
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
  /** The first failure each proxy caused while warming, in the order they happened. */
  proxyFailures: WarmFailure[];
}

export interface LadderPlan {
  /** Usable proxies, best first (their real URLs: they are handed to go). */
  proxies: string[];
  /** The usable proxies known now, when the probe is still finishing while warming starts. */
  refresh?: () => string[];
  /** Resolves when the probe has finished: more usable proxies may be known then. */
  probeDone?: Promise<unknown>;
  /** The longest the ladder waits for probeDone (the probe's own deadline bounds it too). */
  probeWaitMs?: number;
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
 * Fatal dependency errors (unknown revision, bad go.mod) stop it at once:
 * they are facts about the code, not about the network. A checksum mismatch
 * is fatal too unless another source go verifies against go.sum (another
 * proxy, direct, the verified CI cache) serves the module: then the proxy
 * served a tampered module. vendor/ is never used to get past a mismatch,
 * since nothing checks it against go.sum.
 */
export async function climbLadder(plan: LadderPlan, io: LadderIo): Promise<LadderResult> {
  const rungs: RungRecord[] = [];
  const proxyFailures: WarmFailure[] = [];
  const done = (step: LadderStep, a: DownloadAttempt, extra: Partial<LadderResult> = {}): LadderResult => ({
    step,
    rungs,
    modules: a.modules.length,
    buildList: a.modules.map((m) => `${m.Path}@${m.Version}`),
    proxyFailures,
    ...extra,
  });
  const fail = (diagnosis: GoDiagnosis | undefined): LadderResult => {
    rungs.push({ step: 'failed', detail: '', outcome: 'failed', reason: diagnosis?.message ?? 'no rung produced a complete module cache', ms: 0, diagnosis });
    return { step: 'failed', rungs, modules: 0, buildList: [], diagnosis, proxyFailures };
  };
  let last: GoDiagnosis | undefined;
  /** A checksum mismatch blamed on a proxy: fatal unless a verified source serves the module. */
  let mismatch: GoDiagnosis | undefined;

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
  // A proxy the probe judges usable later is tried before leaving the proxies, retries spent or not.
  const dropped = new Set<string>();
  const demoted: string[] = [];
  const tried = new Set<string>();
  const currentOrder = () => {
    const base = (plan.refresh?.() ?? plan.proxies).filter((u) => !dropped.has(u));
    const fresh = base.filter((u) => !tried.has(u));
    const triedKept = base.filter((u) => tried.has(u) && !demoted.includes(u));
    return [...fresh, ...triedKept, ...demoted.filter((u) => base.includes(u))];
  };
  const untried = (order: string[]) => order.some((u) => !tried.has(u));
  let probeSettled = !plan.probeDone;
  void plan.probeDone?.then(() => (probeSettled = true));
  /** Wait for the probe to judge the proxies still being probed; true when it found untried ones. */
  const waitForProbe = async (): Promise<boolean> => {
    if (probeSettled || !plan.probeDone) return false;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, plan.probeWaitMs ?? 0x7fffffff)));
    await Promise.race([plan.probeDone, bound]);
    clearTimeout(timer);
    probeSettled = true;
    const fresh = currentOrder().filter((u) => !tried.has(u));
    const ms = Date.now() - started;
    io.log(`waited ${ms} ms for the probe to finish: ${fresh.length} more usable ${fresh.length === 1 ? 'proxy' : 'proxies'}`);
    // With no proxy tried and none found, the "no healthy proxy" rung says it all.
    if (attempt === 0 && fresh.length === 0) {
      waitedMs = ms;
      return false;
    }
    rungs.push({
      step: 'proxy',
      detail: 'the probe',
      outcome: 'waited',
      reason: fresh.length > 0 ? `the probe judged ${fresh.length} more ${fresh.length === 1 ? 'proxy' : 'proxies'} usable` : 'the probe found no other usable proxy',
      ms,
    });
    return fresh.length > 0;
  };
  const blame = (url: string, d: GoDiagnosis) => {
    if (!proxyFailures.some((f) => f.url === url)) proxyFailures.push({ url, diagnosis: d });
  };

  let order = [...plan.proxies];
  let retriesLeft = plan.retries;
  let attempt = 0;
  let waitedMs = 0;
  if (order.length === 0 && (await waitForProbe())) order = currentOrder();
  while (order.length > 0) {
    const leadIsNew = !tried.has(order[0] as string);
    const step: LadderStep = attempt === 0 ? 'proxy' : last?.class === 'transient' && !leadIsNew ? 'retry' : 'proxy';
    if (step === 'retry') {
      const wait = backoffDelay(plan.retries - retriesLeft, plan.backoffMs, BACKOFF_CAP_MS, io.random);
      io.log(`retrying in ${wait} ms after ${last?.message}`);
      await io.sleep(wait);
    }
    attempt++;
    const goproxy = joinChain(order);
    const a = await io.download(goproxy);
    rungs.push(record(step, goproxy, a));
    // Proxies go fell through on: at fault, even when the next one saved the attempt; they lead no more.
    for (const f of a.fellThrough ?? []) {
      blame(f.proxy, { ...f.failure, url: f.proxy, goMessage: f.goMessage, module: undefined });
      if (f.failure.class !== 'transient') dropped.add(f.proxy);
      else if (!demoted.includes(f.proxy)) demoted.push(f.proxy);
    }
    if (a.ok) return done(step, a);
    last = a.diagnosis;
    const culprit = implicated(order, last);
    // "|" fell through the whole chain on network errors, but not past a bad zip or a mismatch.
    const fellThrough = last?.class === 'transient' || last?.class === 'proxy-miss';
    for (const u of fellThrough ? order : [culprit]) tried.add(u);
    if (last && last.class !== 'proxy-miss' && (last.class !== 'fatal' || last.code === 'checksum-mismatch')) blame(culprit, last);
    let retry = false;
    if (last?.code === 'checksum-mismatch') {
      mismatch = last;
      dropped.add(culprit);
    } else if (last?.class === 'fatal') {
      return fail(last);
    } else if (last?.killed) {
      // It gave nothing within download-timeout: retrying it would cost that again.
      dropped.add(culprit);
      retry = true;
    } else if (last?.class === 'transient') {
      retry = true;
      const i = demoted.indexOf(culprit);
      if (i >= 0) demoted.splice(i, 1);
      demoted.push(culprit);
    } else if (last?.class === 'proxy-broken') {
      dropped.add(culprit);
    }
    // Not found behind every proxy: only a proxy not yet asked, direct or the caches can have it.
    order = currentOrder();
    if (order.length > 0 && untried(order)) continue;
    if (order.length > 0 && retry && retriesLeft-- > 0) continue;
    // Retries spent (or nothing to retry): the proxies still being probed may yet be usable.
    if (await waitForProbe()) {
      order = currentOrder();
      continue;
    }
    break;
  }
  if (attempt === 0) {
    const reason = waitedMs > 0 ? `no healthy proxy (waited ${waitedMs} ms for the probe)` : 'no healthy proxy';
    rungs.push({ step: 'proxy', detail: '', outcome: 'skipped', reason, ms: waitedMs });
  }

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
  if (mismatch) {
    rungs.push({ step: 'vendor', detail: '', outcome: 'skipped', reason: 'vendor/ is not checked against go.sum: never used past a checksum mismatch', ms: 0 });
    return fail(mismatch);
  }

  // Rung 5: vendor/, when present and consistent with go.mod.
  if (plan.vendorFallback && plan.hasVendor) {
    const started = Date.now();
    const v = await io.vendor();
    rungs.push({ step: 'vendor', detail: '-mod=vendor', outcome: v.ok ? 'ok' : 'failed', reason: v.ok ? 'vendor/ is consistent with go.mod' : v.output, ms: Date.now() - started });
    if (v.ok) return { step: 'vendor', rungs, modules: 0, buildList: [], goflags: '-mod=vendor', proxyFailures };
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
