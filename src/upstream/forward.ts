import type { Failure } from '../diagnosis/failure.js';
import { backoffDelay } from '../diagnosis/backoff.js';
import { Attempt, type AttemptLimits, type AttemptResult } from './attempt.js';
import type { HeldBody } from './body.js';
import type { ServeRequest } from './request-path.js';
import type { Upstream } from './upstream.js';

export interface ForwardPolicy extends AttemptLimits {
  /** Rounds over the upstreams: 1 + retries of transient failures. */
  rounds: number;
  /** Backoff before the second round; doubles each round, with jitter. */
  backoffMs: number;
  backoffCapMs: number;
  /** The earliest a hedge is sent, whatever an upstream's p95 says. */
  hedgeFloorMs: number;
  /** Longest Retry-After honoured. */
  retryAfterCapMs: number;
  /** One request's total time, every attempt, backoff and body included (serve-request-timeout). */
  requestBudgetMs: number;
  /** Bad turns in a row (failures, hedge races lost) before an upstream is demoted... */
  strikes: number;
  /** ...for this long, so later requests start with one that answers. */
  restMs: number;
}

type Answered =
  | { kind: 'answer'; status: number; contentType: string; body: HeldBody; from: Upstream }
  | { kind: 'not-found'; status: 404 | 410; contentType: string; body: HeldBody; from: Upstream };

/** The outcome of one request, and how many attempts it took (more than one: something was absorbed or hedged). */
export type Forwarded = (Answered | { kind: 'failed'; failures: string[] } | { kind: 'gone' }) & { attempts: number };

/** At most this many attempts of one request at a time: the primary and one hedge. */
const MAX_IN_FLIGHT = 2;

type Standing = 'not-found' | 'broken' | 'transient';

/**
 * Ask the upstreams for one file until one answers well:
 * - in rank order, resting upstreams last; a transient failure moves on to
 *   the next upstream at once, and a later round (after backoff, or the
 *   Retry-After a 429 asked for) retries the ones that failed transiently;
 * - when the upstream asked has not answered within its p95, the next one is
 *   asked too (a hedge) and the first good answer wins;
 * - a 404/410 is an answer, not a failure: no retry, the next upstream is
 *   asked (a stale mirror), and if nobody has the file the go command is told so;
 * - a malformed answer (HTML, wrong version, a zip of the wrong module) is a
 *   broken upstream for this request, never passed on;
 * - an upstream that falls back only on not-found (`,` in GOPROXY, the
 *   user's `fallback: not-found`) keeps the request on itself: its transient
 *   failures are retried on it, and the upstreams after it are asked (no
 *   hedge either) only once it answered 404/410;
 * - everything ends when the request budget does, or the go command hangs up (`signal`).
 */
export async function forward(
  req: ServeRequest,
  upstreams: readonly Upstream[],
  policy: ForwardPolicy,
  sleep = delay,
  signal?: AbortSignal,
): Promise<Forwarded> {
  const endsAt = performance.now() + policy.requestBudgetMs;
  const strict = upstreams.some((u) => !u.fallBackOnError);
  const standing = new Map<Upstream, Standing>();
  const tries = new Map<Upstream, number>();
  const failures: string[] = [];
  const failedOn: Upstream[] = [];
  let notFound: Extract<Answered, { kind: 'not-found' }> | undefined;
  const attempts = () => [...tries.values()].reduce((a, b) => a + b, 0);

  const finish = (result: Answered): Forwarded => {
    for (const u of failedOn) u.stats.absorbed++;
    return { ...result, attempts: attempts() };
  };

  for (let round = 0; round < policy.rounds; round++) {
    const eligible = reachable(upstreams, standing);
    if (eligible.length === 0) break;
    let wait = round > 0 ? backoffDelay(round, policy.backoffMs, policy.backoffCapMs) : 0;
    const now = Date.now();
    // Honour Retry-After: when every upstream left asked for a pause (or the one it must be), wait for the first to end.
    const pausing = strict ? eligible.slice(0, 1) : eligible;
    if (pausing.every((u) => u.retryAfterUntil > now)) wait = Math.max(wait, Math.min(...pausing.map((u) => u.retryAfterUntil)) - now);
    const left = endsAt - performance.now();
    if (wait >= left) {
      failures.push(`the request budget of ${policy.requestBudgetMs} ms ran out`);
      break;
    }
    if (wait > 0) await sleep(wait);
    if (signal?.aborted) return { kind: 'gone', attempts: attempts() };
    // Rank order where the chain says so: a demoted upstream must not jump ahead of one it may only follow after a 404.
    const answer = await runRound(req, strict ? eligible : orderForRound(eligible, Date.now()), policy, endsAt, signal, {
      onNotFound(a, r) {
        standing.set(a.upstream, 'not-found');
        if (notFound) void r.body.dispose();
        else notFound = { kind: 'not-found', status: r.status, contentType: r.contentType, body: r.body, from: a.upstream };
      },
      onFailure(a, f, retryAfterMs) {
        // A broken answer, or one go.sum refuses, will not get better by asking the same upstream again.
        standing.set(a.upstream, f.class === 'proxy-broken' || f.class === 'fatal' ? 'broken' : 'transient');
        failures.push(`${a.upstream.shown}: ${f.message}`);
        failedOn.push(a.upstream);
        const now = Date.now();
        if (retryAfterMs !== undefined) a.upstream.waitUntil(now + Math.min(retryAfterMs, policy.retryAfterCapMs));
        else if (f.code === 'rate-limited') a.upstream.waitUntil(now + backoffDelay(round + 1, policy.backoffMs, policy.backoffCapMs));
        a.upstream.strike(policy.strikes, policy.restMs, now);
      },
      tries,
      retry: (u) => (tries.get(u) ?? 0) > 0,
    });
    if (answer) {
      if (notFound) void notFound.body.dispose();
      return finish(answer);
    }
    if (signal?.aborted) {
      if (notFound) void notFound.body.dispose();
      return { kind: 'gone', attempts: attempts() };
    }
    // Every upstream that could answer said not-found: the go command must hear exactly that, now.
    if (notFound && reachable(upstreams, standing).length === 0 && !strictFailure(upstreams, standing)) return finish(notFound);
    if (performance.now() >= endsAt) {
      failures.push(`the request budget of ${policy.requestBudgetMs} ms ran out`);
      break;
    }
  }
  if (notFound && !strictFailure(upstreams, standing)) return finish(notFound);
  if (notFound) void notFound.body.dispose();
  return { kind: 'failed', failures, attempts: attempts() };
}

/**
 * The upstreams this request may still ask, in rank order: those not yet
 * judged or failed transiently, and none past an upstream that falls back
 * only on not-found and has not said not-found.
 */
export function reachable(upstreams: readonly Upstream[], standing: ReadonlyMap<Upstream, Standing>): Upstream[] {
  const out: Upstream[] = [];
  for (const u of upstreams) {
    const s = standing.get(u);
    if (s === undefined || s === 'transient') out.push(u);
    if (!u.fallBackOnError && s !== 'not-found') break;
  }
  return out;
}

/** An upstream the go command would not fall back from ("," in GOPROXY) failed: its error is the answer, not an earlier 404. */
function strictFailure(upstreams: readonly Upstream[], standing: ReadonlyMap<Upstream, Standing>): boolean {
  return upstreams.some((u) => !u.fallBackOnError && (standing.get(u) === 'transient' || standing.get(u) === 'broken'));
}

/**
 * Rank order, with demoted upstreams (repeated failures, lost hedge races)
 * after the rest; one under Retry-After is left out while others remain.
 */
export function orderForRound(upstreams: readonly Upstream[], now: number): Upstream[] {
  const free = upstreams.filter((u) => u.retryAfterUntil <= now);
  const pool = free.length > 0 ? free : [...upstreams];
  return [...pool.filter((u) => u.demotedUntil <= now), ...pool.filter((u) => u.demotedUntil > now)];
}

interface RoundHooks {
  onNotFound(a: Attempt, r: Extract<AttemptResult, { outcome: 'not-found' }>): void;
  onFailure(a: Attempt, f: Failure, retryAfterMs: number | undefined): void;
  tries: Map<Upstream, number>;
  retry(u: Upstream): boolean;
}

type Won = Extract<Answered, { kind: 'answer' }>;

/** One pass over `order`, hedging as it goes; resolves with the first good answer, or undefined. */
function runRound(
  req: ServeRequest,
  order: Upstream[],
  policy: ForwardPolicy,
  endsAt: number,
  signal: AbortSignal | undefined,
  hooks: RoundHooks,
): Promise<Won | undefined> {
  return new Promise((resolve) => new Round(req, order, policy, endsAt, signal, hooks, resolve).start());
}

/** The state of one round: the attempts in flight, the next upstream to ask, and whether it is over. */
class Round {
  private readonly inFlight = new Set<Attempt>();
  /** Attempts silent past their hedge delay. */
  private readonly overdue = new Set<Attempt>();
  /** Attempts of upstreams that fall back only on not-found, until they say not-found: nobody after them may be asked. */
  private readonly holding = new Set<Attempt>();
  private next = 0;
  private done = false;
  private readonly onGone = () => {
    this.done = true;
    for (const a of this.inFlight) a.abort();
    this.resolve(undefined);
  };

  constructor(
    private readonly req: ServeRequest,
    private readonly order: Upstream[],
    private readonly policy: ForwardPolicy,
    private readonly endsAt: number,
    private readonly signal: AbortSignal | undefined,
    private readonly hooks: RoundHooks,
    private readonly resolve: (answer: Won | undefined) => void,
  ) {}

  start(): void {
    if (this.signal?.aborted) return this.onGone();
    this.signal?.addEventListener('abort', this.onGone, { once: true });
    this.launch(false);
  }

  private mayGoOn(): boolean {
    return this.next < this.order.length && this.holding.size === 0 && performance.now() < this.endsAt;
  }

  private end(answer: Won | undefined): void {
    this.done = true;
    this.signal?.removeEventListener('abort', this.onGone);
    this.resolve(answer);
  }

  /** Ask the next upstream (a hedge when one in flight is overdue), and arm its hedge timer. */
  private launch(hedge: boolean): void {
    const { order, policy, endsAt, hooks } = this;
    const upstream = order[this.next++] as Upstream;
    const retry = hooks.retry(upstream);
    hooks.tries.set(upstream, (hooks.tries.get(upstream) ?? 0) + 1);
    upstream.stats.requests++;
    if (retry) upstream.stats.retries++;
    if (hedge) upstream.stats.hedgesSent++;
    // With upstreams still to ask, one that trickles may take half of what is left, not all of it.
    const now = performance.now();
    const attemptEnds = this.next < order.length ? now + (endsAt - now) / 2 : endsAt;
    const attempt = new Attempt(upstream, this.req, hedge, policy, attemptEnds);
    this.inFlight.add(attempt);
    if (!upstream.fallBackOnError) this.holding.add(attempt);
    if (this.next < order.length) {
      const timer = setTimeout(
        () => {
          this.overdue.add(attempt);
          if (!this.done && this.inFlight.has(attempt) && this.inFlight.size < MAX_IN_FLIGHT && this.mayGoOn()) this.launch(true);
        },
        upstream.hedgeDelay(policy.hedgeFloorMs, policy.headerTimeoutMs),
      );
      void attempt.answered.then(() => clearTimeout(timer));
    }
    void attempt.result.then((r) => this.settle(attempt, r));
  }

  /** An attempt ended: take a good answer, count a not-found or a failure, and decide whom to ask next. */
  private settle(attempt: Attempt, r: AttemptResult): void {
    this.inFlight.delete(attempt);
    const u = attempt.upstream;
    if (this.done) {
      if (r.outcome === 'ok' || r.outcome === 'not-found') void r.body.dispose();
      return;
    }
    switch (r.outcome) {
      case 'ok':
        return this.win(attempt, r);
      case 'not-found':
        this.holding.delete(attempt);
        u.recordLatency(r.headersMs);
        u.goodTurn();
        u.stats.notFound++;
        this.hooks.onNotFound(attempt, r);
        break;
      case 'failed':
        u.recordFailure(r.failure.code, r.failure.message);
        this.hooks.onFailure(attempt, r.failure, r.retryAfterMs);
        break;
      case 'aborted':
        break;
    }
    if (this.inFlight.size === 0) {
      if (this.mayGoOn()) this.launch(false);
      else this.end(undefined);
    } else if (this.mayGoOn() && [...this.inFlight].every((a) => this.overdue.has(a) && !a.hasAnswered)) {
      // What is left in flight is silent past its hedge delay: keep going down the list.
      this.launch(true);
    }
  }

  /** The first good answer: it ends the round, and the attempts still in flight are aborted. */
  private win(attempt: Attempt, r: Extract<AttemptResult, { outcome: 'ok' }>): void {
    const u = attempt.upstream;
    this.done = true;
    u.recordLatency(r.headersMs);
    u.goodTurn();
    u.stats.served++;
    if (attempt.hedge) u.stats.hedgesWon++;
    for (const other of this.inFlight) {
      // An earlier upstream still silent when its hedge answered lost the race.
      if (!other.hedge || other.started < attempt.started) other.upstream.strike(this.policy.strikes, this.policy.restMs, Date.now());
      other.abort();
    }
    this.end({ kind: 'answer', status: r.status, contentType: r.contentType, body: r.body, from: u });
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
