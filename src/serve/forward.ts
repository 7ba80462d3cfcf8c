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
export async function forward(req: ServeRequest, upstreams: readonly Upstream[], policy: ForwardPolicy, sleep = delay, signal?: AbortSignal): Promise<Forwarded> {
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
        standing.set(a.upstream, f.class === 'proxy-broken' ? 'broken' : 'transient');
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

/** One pass over `order`, hedging as it goes; resolves with the first good answer, or undefined. */
function runRound(
  req: ServeRequest,
  order: Upstream[],
  policy: ForwardPolicy,
  endsAt: number,
  signal: AbortSignal | undefined,
  hooks: RoundHooks,
): Promise<Extract<Answered, { kind: 'answer' }> | undefined> {
  return new Promise((resolve) => {
    const inFlight = new Set<Attempt>();
    /** Attempts silent past their hedge delay. */
    const overdue = new Set<Attempt>();
    /** Attempts of upstreams that fall back only on not-found, until they say not-found: nobody after them may be asked. */
    const holding = new Set<Attempt>();
    let next = 0;
    let done = false;
    const mayGoOn = () => next < order.length && holding.size === 0 && performance.now() < endsAt;

    const onGone = () => {
      done = true;
      for (const a of inFlight) a.abort();
      resolve(undefined);
    };
    if (signal?.aborted) return onGone();
    signal?.addEventListener('abort', onGone, { once: true });
    const end = (answer: Extract<Answered, { kind: 'answer' }> | undefined) => {
      done = true;
      signal?.removeEventListener('abort', onGone);
      resolve(answer);
    };

    const launch = (hedge: boolean) => {
      const upstream = order[next++] as Upstream;
      const retry = hooks.retry(upstream);
      hooks.tries.set(upstream, (hooks.tries.get(upstream) ?? 0) + 1);
      upstream.stats.requests++;
      if (retry) upstream.stats.retries++;
      if (hedge) upstream.stats.hedgesSent++;
      // With upstreams still to ask, one that trickles may take half of what is left, not all of it.
      const now = performance.now();
      const attemptEnds = next < order.length ? now + (endsAt - now) / 2 : endsAt;
      const attempt = new Attempt(upstream, req, hedge, policy, attemptEnds);
      inFlight.add(attempt);
      if (!upstream.fallBackOnError) holding.add(attempt);
      if (next < order.length) {
        const timer = setTimeout(() => {
          overdue.add(attempt);
          if (!done && inFlight.has(attempt) && inFlight.size < MAX_IN_FLIGHT && mayGoOn()) launch(true);
        }, upstream.hedgeDelay(policy.hedgeFloorMs, policy.headerTimeoutMs));
        void attempt.answered.then(() => clearTimeout(timer));
      }
      void attempt.result.then((r) => settle(attempt, r));
    };

    const settle = (attempt: Attempt, r: AttemptResult) => {
      inFlight.delete(attempt);
      const u = attempt.upstream;
      if (done) {
        if (r.outcome === 'ok' || r.outcome === 'not-found') void r.body.dispose();
        return;
      }
      switch (r.outcome) {
        case 'ok': {
          done = true;
          u.recordLatency(r.headersMs);
          u.goodTurn();
          u.stats.served++;
          if (attempt.hedge) u.stats.hedgesWon++;
          for (const other of inFlight) {
            // An earlier upstream still silent when its hedge answered lost the race.
            if (!other.hedge || other.started < attempt.started) other.upstream.strike(policy.strikes, policy.restMs, Date.now());
            other.abort();
          }
          return end({ kind: 'answer', status: r.status, contentType: r.contentType, body: r.body, from: u });
        }
        case 'not-found':
          holding.delete(attempt);
          u.recordLatency(r.headersMs);
          u.goodTurn();
          u.stats.notFound++;
          hooks.onNotFound(attempt, r);
          break;
        case 'failed':
          u.recordFailure(r.failure.code);
          hooks.onFailure(attempt, r.failure, r.retryAfterMs);
          break;
        case 'aborted':
          break;
      }
      if (inFlight.size === 0) {
        if (mayGoOn()) launch(false);
        else end(undefined);
      } else if (mayGoOn() && [...inFlight].every((a) => overdue.has(a) && !a.hasAnswered)) {
        // What is left in flight is silent past its hedge delay: keep going down the list.
        launch(true);
      }
    };

    launch(false);
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
