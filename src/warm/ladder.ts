import type { LadderStep, RungRecord } from '../model/ladder.js';
import type { GoDiagnosis } from '../diagnosis/go-output.js';
import { directOnly, formatGoproxy, warmingChain, type Chain } from '../goproxy/chain.js';
import { isUnderProxy } from '../goproxy/proxy-url.js';
import { backoffDelay, BACKOFF_CAP_MS } from '../diagnosis/backoff.js';
import type { DownloadAttempt } from './download.js';

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
  /**
   * Proxies caught before the ladder (by the prefetch) serving broken
   * answers (a zip bomb, a lying .info, HTML): never handed to go, which
   * would spend download-timeout hashing the bomb, or take the lie. One that
   * served a file go.sum refuses is not here: go must meet that mismatch
   * itself, so that vendor/ is never used past it.
   */
  broken?: readonly string[];
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
  /** go mod download through `chain`. */
  download(chain: Chain): Promise<DownloadAttempt>;
  /** go mod download from the module cache alone, then go mod verify. */
  offline(): Promise<DownloadAttempt & { verified: boolean; verifyOutput: string }>;
  vendor(): Promise<{ ok: boolean; output: string }>;
  sleep(ms: number): Promise<void>;
  log(message: string): void;
  random?: () => number;
}

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
  const climb = new Climb(plan, io);
  return (
    (plan.cacheFirst ? await climb.cacheFirst() : undefined) ??
    (await climb.proxies()) ??
    (await climb.directAndCache()) ??
    (await climb.vendor())
  );
}

/** What the ladder does after a proxy chain failed. */
type NextMove = 'stop' | 'retry' | 'move-on';

/** One walk down the ladder: the rungs tried so far, and what each proxy did. */
class Climb {
  private readonly plan: LadderPlan;
  private readonly io: LadderIo;
  private readonly rungs: RungRecord[] = [];
  private readonly proxyFailures: WarmFailure[] = [];
  /** The latest failure: what the report gives when no rung worked. */
  private last: GoDiagnosis | undefined;
  /** A checksum mismatch blamed on a proxy: fatal unless a verified source serves the module. */
  private mismatch: GoDiagnosis | undefined;
  /** Proxies that broke: not asked again. */
  private readonly dropped = new Set<string>();
  /** Proxies that failed transiently: they lead no more (but "|" may still fall back to them). */
  private readonly demoted: string[] = [];
  private readonly tried = new Set<string>();
  private probeSettled: boolean;
  /** Proxy chains handed to go so far. */
  private attempt = 0;
  /** How long the ladder waited for a probe that found no proxy at all. */
  private waitedMs = 0;

  constructor(plan: LadderPlan, io: LadderIo) {
    this.plan = plan;
    this.io = io;
    this.probeSettled = !plan.probeDone;
    for (const url of plan.broken ?? []) this.dropped.add(url);
  }

  /** The cache first, when the restore already holds everything (see cacheFirst). */
  async cacheFirst(): Promise<LadderResult | undefined> {
    return (await this.offline('exact restore, complete and verified')).result;
  }

  /** The module cache as it is, served offline (GOPROXY=off) and verified: the cache rung, first or fourth. */
  private async offline(okReason: string): Promise<{ result: LadderResult | undefined; diagnosis: GoDiagnosis | undefined }> {
    const a = await this.io.offline();
    const ok = a.ok && a.verified;
    const reason = !a.ok ? (a.diagnosis?.message ?? 'incomplete') : ok ? okReason : `go mod verify failed: ${a.verifyOutput}`;
    this.rungs.push({
      step: 'cache',
      detail: 'GOPROXY=off',
      outcome: ok ? 'ok' : 'failed',
      reason,
      ms: a.durationMs,
      diagnosis: a.diagnosis,
    });
    if (ok) return { result: this.done('cache', a), diagnosis: undefined };
    if (a.diagnosis?.class === 'fatal') return { result: this.fail(a.diagnosis), diagnosis: a.diagnosis };
    return { result: undefined, diagnosis: a.diagnosis };
  }

  /**
   * Rungs 1-2: the ranked proxies, then retries of transient failures with the next proxy leading.
   * A proxy the probe judges usable later is tried before leaving the proxies, retries spent or not.
   */
  async proxies(): Promise<LadderResult | undefined> {
    void this.plan.probeDone?.then(() => (this.probeSettled = true));
    let order = this.plan.proxies.filter((u) => !this.dropped.has(u));
    let retriesLeft = this.plan.retries;
    if (order.length === 0 && (await this.waitForProbe())) order = this.currentOrder();
    while (order.length > 0) {
      const { step, a } = await this.tryChain(order, retriesLeft);
      if (a.ok) return this.done(step, a);
      this.last = a.diagnosis;
      const next = this.judgeChainFailure(order, a.diagnosis);
      if (next === 'stop') return this.fail(this.last);
      // Not found behind every proxy: only a proxy not yet asked, direct or the caches can have it.
      order = this.currentOrder();
      if (order.length > 0 && this.untried(order)) continue;
      if (order.length > 0 && next === 'retry' && retriesLeft-- > 0) continue;
      // Retries spent (or nothing to retry): the proxies still being probed may yet be usable.
      if (await this.waitForProbe()) {
        order = this.currentOrder();
        continue;
      }
      break;
    }
    if (this.attempt === 0) {
      const reason = this.waitedMs > 0 ? `no healthy proxy (waited ${this.waitedMs} ms for the probe)` : 'no healthy proxy';
      this.rungs.push({ step: 'proxy', detail: '', outcome: 'skipped', reason, ms: this.waitedMs });
    }
    return undefined;
  }

  /** Rungs 3-4: direct and the restored cache, the cache first when it is likely complete. */
  async directAndCache(): Promise<LadderResult | undefined> {
    const direct = () => this.direct();
    const cache = () => this.cache();
    for (const rung of this.plan.cacheBeforeDirect ? [cache, direct] : [direct, cache]) {
      const result = await rung();
      if (result) return result;
    }
    if (this.mismatch) {
      this.rungs.push({
        step: 'vendor',
        detail: '',
        outcome: 'skipped',
        reason: 'vendor/ is not checked against go.sum: never used past a checksum mismatch',
        ms: 0,
      });
      return this.fail(this.mismatch);
    }
    return undefined;
  }

  /** Rung 5: vendor/, when present and consistent with go.mod; else the ladder failed. */
  async vendor(): Promise<LadderResult> {
    const { plan, rungs } = this;
    if (plan.vendorFallback && plan.hasVendor) {
      const started = Date.now();
      const v = await this.io.vendor();
      rungs.push({
        step: 'vendor',
        detail: '-mod=vendor',
        outcome: v.ok ? 'ok' : 'failed',
        reason: v.ok ? 'vendor/ is consistent with go.mod' : v.output,
        ms: Date.now() - started,
      });
      if (v.ok) return { step: 'vendor', rungs, modules: 0, buildList: [], goflags: '-mod=vendor', proxyFailures: this.proxyFailures };
    } else {
      rungs.push({
        step: 'vendor',
        detail: '',
        outcome: 'skipped',
        reason: plan.hasVendor ? 'vendor-fallback is false' : 'no vendor/',
        ms: 0,
      });
    }
    return this.fail(this.last);
  }

  /** Hand go one chain of proxies (after the backoff, when it is a retry). */
  private async tryChain(order: string[], retriesLeft: number): Promise<{ step: LadderStep; a: DownloadAttempt }> {
    const leadIsNew = !this.tried.has(order[0] as string);
    const step: LadderStep = this.attempt === 0 ? 'proxy' : this.last?.class === 'transient' && !leadIsNew ? 'retry' : 'proxy';
    if (step === 'retry') {
      const wait = backoffDelay(this.plan.retries - retriesLeft, this.plan.backoffMs, BACKOFF_CAP_MS, this.io.random);
      this.io.log(`retrying in ${wait} ms after ${this.last?.message}`);
      await this.io.sleep(wait);
    }
    this.attempt++;
    const chain = warmingChain(order);
    const a = await this.io.download(chain);
    this.rungs.push(record(step, `GOPROXY=${formatGoproxy(chain)}`, a));
    // Proxies go fell through on: at fault, even when the next one saved the attempt; they lead no more.
    for (const f of a.fellThrough ?? []) {
      this.blame(f.proxy, { ...f.failure, url: f.proxy, goMessage: f.goMessage, module: undefined });
      if (f.failure.class !== 'transient') this.dropped.add(f.proxy);
      else if (!this.demoted.includes(f.proxy)) this.demoted.push(f.proxy);
    }
    return { step, a };
  }

  /** Mark what a failed chain tried, blame the proxy at fault, and say whether to stop, retry or move on. */
  private judgeChainFailure(order: string[], last: GoDiagnosis | undefined): NextMove {
    const culprit = implicated(order, last);
    // "|" fell through the whole chain on network errors, but not past a bad zip or a mismatch.
    const fellThrough = last?.class === 'transient' || last?.class === 'proxy-miss';
    for (const u of fellThrough ? order : [culprit]) this.tried.add(u);
    if (last && last.class !== 'proxy-miss' && (last.class !== 'fatal' || last.code === 'checksum-mismatch')) this.blame(culprit, last);
    if (last?.code === 'checksum-mismatch') {
      this.mismatch = last;
      this.dropped.add(culprit);
      return 'move-on';
    }
    if (last?.class === 'fatal') return 'stop';
    if (last?.killed) {
      // It gave nothing within download-timeout: retrying it would cost that again.
      this.dropped.add(culprit);
      return 'retry';
    }
    if (last?.class === 'transient') {
      const i = this.demoted.indexOf(culprit);
      if (i >= 0) this.demoted.splice(i, 1);
      this.demoted.push(culprit);
      return 'retry';
    }
    if (last?.class === 'proxy-broken') this.dropped.add(culprit);
    return 'move-on';
  }

  /** The proxies to hand go next: untried first, then the tried that did not fail transiently, then the demoted. */
  private currentOrder(): string[] {
    const base = (this.plan.refresh?.() ?? this.plan.proxies).filter((u) => !this.dropped.has(u));
    const fresh = base.filter((u) => !this.tried.has(u));
    const triedKept = base.filter((u) => this.tried.has(u) && !this.demoted.includes(u));
    return [...fresh, ...triedKept, ...this.demoted.filter((u) => base.includes(u))];
  }

  private untried(order: string[]): boolean {
    return order.some((u) => !this.tried.has(u));
  }

  /** Wait for the probe to judge the proxies still being probed; true when it found untried ones. */
  private async waitForProbe(): Promise<boolean> {
    if (this.probeSettled || !this.plan.probeDone) return false;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.plan.probeWaitMs ?? 0x7fffffff)));
    await Promise.race([this.plan.probeDone, bound]);
    clearTimeout(timer);
    this.probeSettled = true;
    const fresh = this.currentOrder().filter((u) => !this.tried.has(u));
    const ms = Date.now() - started;
    this.io.log(`waited ${ms} ms for the probe to finish: ${fresh.length} more usable ${fresh.length === 1 ? 'proxy' : 'proxies'}`);
    // With no proxy tried and none found, the "no healthy proxy" rung says it all.
    if (this.attempt === 0 && fresh.length === 0) {
      this.waitedMs = ms;
      return false;
    }
    this.rungs.push({
      step: 'proxy',
      detail: 'the probe',
      outcome: 'waited',
      reason:
        fresh.length > 0
          ? `the probe judged ${fresh.length} more ${fresh.length === 1 ? 'proxy' : 'proxies'} usable`
          : 'the probe found no other usable proxy',
      ms,
    });
    return fresh.length > 0;
  }

  /** Rung 3: direct, where the user allows it. */
  private async direct(): Promise<LadderResult | undefined> {
    if (!this.plan.directAllowed) {
      this.rungs.push({ step: 'direct', detail: 'direct', outcome: 'skipped', reason: 'direct is not allowed', ms: 0 });
      return undefined;
    }
    const a = await this.io.download(directOnly());
    this.rungs.push(record('direct', 'direct', a));
    if (a.ok) return this.done('direct', a);
    if (a.diagnosis?.class === 'fatal') return this.fail(a.diagnosis);
    this.last = a.diagnosis ?? this.last;
    return undefined;
  }

  /** Rung 4: whatever the CI cache restored, served offline and verified. */
  private async cache(): Promise<LadderResult | undefined> {
    const { plan } = this;
    if (!plan.cacheRestored || plan.cacheFirst) {
      const reason = plan.cacheFirst ? 'tried first' : 'nothing restored from the CI cache';
      this.rungs.push({ step: 'cache', detail: '', outcome: 'skipped', reason, ms: 0 });
      return undefined;
    }
    const { result, diagnosis } = await this.offline('complete and verified');
    this.last = diagnosis ?? this.last;
    return result;
  }

  private blame(url: string, d: GoDiagnosis): void {
    if (!this.proxyFailures.some((f) => f.url === url)) this.proxyFailures.push({ url, diagnosis: d });
  }

  private done(step: LadderStep, a: DownloadAttempt): LadderResult {
    const buildList = a.modules.map((m) => `${m.Path}@${m.Version}`);
    return { step, rungs: this.rungs, modules: a.modules.length, buildList, proxyFailures: this.proxyFailures };
  }

  private fail(diagnosis: GoDiagnosis | undefined): LadderResult {
    const reason = diagnosis?.message ?? 'no rung produced a complete module cache';
    this.rungs.push({ step: 'failed', detail: '', outcome: 'failed', reason, ms: 0, diagnosis });
    return { step: 'failed', rungs: this.rungs, modules: 0, buildList: [], diagnosis, proxyFailures: this.proxyFailures };
  }
}

function record(step: LadderStep, detail: string, a: DownloadAttempt): RungRecord {
  return {
    step,
    detail,
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
