import type { Failure } from '../diagnosis/failure.js';
import { backoffDelay } from '../warm/backoff.js';
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
  /** Bad turns in a row (failures, hedge races lost) before an upstream is demoted... */
  strikes: number;
  /** ...for this long, so later requests start with one that answers. */
  restMs: number;
}

type Answered =
  | { kind: 'answer'; status: number; contentType: string; body: HeldBody; from: Upstream }
  | { kind: 'not-found'; status: 404 | 410; contentType: string; body: HeldBody; from: Upstream };

/** The outcome of one request, and how many attempts it took (more than one: something was absorbed or hedged). */
export type Forwarded = (Answered | { kind: 'failed'; failures: string[] }) & { attempts: number };

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
 *   broken upstream for this request, never passed on.
 */
export async function forward(req: ServeRequest, upstreams: readonly Upstream[], policy: ForwardPolicy, sleep = delay): Promise<Forwarded> {
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
    const eligible = upstreams.filter((u) => standing.get(u) === undefined || standing.get(u) === 'transient');
    if (eligible.length === 0) break;
    let wait = round > 0 ? backoffDelay(round, policy.backoffMs, policy.backoffCapMs) : 0;
    const now = Date.now();
    // Honour Retry-After: when every upstream left asked for a pause, wait for the first to end.
    if (eligible.every((u) => u.retryAfterUntil > now)) wait = Math.max(wait, Math.min(...eligible.map((u) => u.retryAfterUntil)) - now);
    if (wait > 0) await sleep(wait);
    const answer = await runRound(req, orderForRound(eligible, Date.now()), policy, {
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
    // Every upstream that could answer said not-found: the go command must hear exactly that, now.
    if (notFound && upstreams.every((u) => standing.get(u) !== 'transient')) return finish(notFound);
  }
  if (notFound) return finish(notFound);
  return { kind: 'failed', failures, attempts: attempts() };
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
function runRound(req: ServeRequest, order: Upstream[], policy: ForwardPolicy, hooks: RoundHooks): Promise<Extract<Answered, { kind: 'answer' }> | undefined> {
  return new Promise((resolve) => {
    const inFlight = new Set<Attempt>();
    /** Attempts silent past their hedge delay. */
    const overdue = new Set<Attempt>();
    let next = 0;
    let done = false;

    const launch = (hedge: boolean) => {
      const upstream = order[next++] as Upstream;
      const retry = hooks.retry(upstream);
      hooks.tries.set(upstream, (hooks.tries.get(upstream) ?? 0) + 1);
      upstream.stats.requests++;
      if (retry) upstream.stats.retries++;
      if (hedge) upstream.stats.hedgesSent++;
      const attempt = new Attempt(upstream, req, hedge, policy);
      inFlight.add(attempt);
      if (next < order.length) {
        const timer = setTimeout(() => {
          overdue.add(attempt);
          if (!done && inFlight.has(attempt) && inFlight.size < MAX_IN_FLIGHT && next < order.length) launch(true);
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
          return resolve({ kind: 'answer', status: r.status, contentType: r.contentType, body: r.body, from: u });
        }
        case 'not-found':
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
        if (next < order.length) launch(false);
        else {
          done = true;
          resolve(undefined);
        }
      } else if (next < order.length && [...inFlight].every((a) => overdue.has(a) && !a.hasAnswered)) {
        // What is left in flight is silent past its hedge delay: keep going down the list.
        launch(true);
      }
    };

    launch(false);
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
