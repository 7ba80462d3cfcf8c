import type { IncomingMessage } from 'node:http';
import { classifyNetworkError, classifyStatus, failure, type Failure } from '../diagnosis/failure.js';
import { answerProblem } from './answer-check.js';
import { holdBody, memoryBody, type HeldBody, type SpillMeter } from './body.js';
import type { ServeKind, ServeRequest } from './request-path.js';
import type { Upstream } from './upstream.js';

export interface AttemptLimits {
  /** Response headers must arrive within this. */
  headerTimeoutMs: number;
  /** The body may pause at most this long between bytes. */
  bodyIdleMs: number;
  /** Bodies larger than this are held on disk. */
  memoryLimit: number;
  spillDir: string;
  /** The most each kind of answer may weigh: more is a failure of the upstream. */
  maxBytes: Record<ServeKind, number>;
  spill?: SpillMeter;
  /** Free disk the spill always leaves (default: 64 MiB). */
  spillReserveBytes?: number;
}

export type AttemptResult =
  | { outcome: 'ok'; status: number; contentType: string; body: HeldBody; headersMs: number }
  | { outcome: 'not-found'; status: 404 | 410; contentType: string; body: HeldBody; headersMs: number }
  | { outcome: 'failed'; failure: Failure; retryAfterMs?: number }
  | { outcome: 'aborted' };

/** Not-found bodies say why ("unknown revision"); nothing more is kept of them. */
const NOT_FOUND_BODY_LIMIT = 64 * 1024;

/** One GET of one upstream: headers under a deadline, body held and checked before anyone sees it. */
export class Attempt {
  readonly started = performance.now();
  /** Resolves when the upstream has answered with headers, or the attempt is over. */
  readonly answered: Promise<void>;
  readonly result: Promise<AttemptResult>;
  private readonly controller = new AbortController();
  private aborted = false;
  private answeredNow = false;
  private markAnswered: () => void = () => {};

  constructor(
    readonly upstream: Upstream,
    readonly req: ServeRequest,
    readonly hedge: boolean,
    limits: AttemptLimits,
    /** performance.now() when the request's budget runs out. */
    budgetEndsAt = Infinity,
  ) {
    this.answered = new Promise((resolve) => {
      this.markAnswered = () => {
        this.answeredNow = true;
        resolve();
      };
    });
    this.result = this.run(limits, budgetEndsAt).finally(() => this.markAnswered());
  }

  /** Headers arrived (or the attempt ended): it is no longer silent. */
  get hasAnswered(): boolean {
    return this.answeredNow;
  }

  abort(): void {
    this.aborted = true;
    this.controller.abort();
  }

  private async run(limits: AttemptLimits, budgetEndsAt: number): Promise<AttemptResult> {
    const headerTimer = setTimeout(() => this.controller.abort(new HeaderTimeout(limits.headerTimeoutMs)), limits.headerTimeoutMs);
    // The whole attempt, body included, ends with the request's budget: a trickle cannot hold the go command.
    const left = budgetEndsAt - performance.now();
    const budgetTimer = Number.isFinite(left)
      ? setTimeout(() => this.controller.abort(new BudgetExhausted()), Math.max(0, left))
      : undefined;
    let response: IncomingMessage | undefined;
    this.controller.signal.addEventListener('abort', () => response?.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })), {
      once: true,
    });
    const hold = (res: IncomingMessage, memoryLimit: number, maxBytes: number) =>
      holdBody(res, {
        ...limits,
        memoryLimit,
        maxBytes,
        ...declaredLength(res),
        what: `${this.upstream.shown}'s ${this.req.label}`,
        onBytes: (n) => (this.upstream.stats.bytes += n),
      });
    try {
      const res = await this.upstream.get(this.req.upstreamPath, this.controller.signal);
      response = res;
      clearTimeout(headerTimer);
      const headersMs = performance.now() - this.started;
      this.markAnswered();
      const status = res.statusCode ?? 0;
      const contentType = String(res.headers['content-type'] ?? '');
      if (status === 404 || status === 410) {
        const body = await hold(res, NOT_FOUND_BODY_LIMIT, NOT_FOUND_BODY_LIMIT).catch(() => undefined);
        if (!body)
          return {
            outcome: 'not-found',
            status,
            contentType: 'text/plain; charset=utf-8',
            body: memoryBody(Buffer.from(`not found (HTTP ${status})\n`)),
            headersMs,
          };
        return { outcome: 'not-found', status, contentType, body, headersMs };
      }
      if (status !== 200) {
        res.resume();
        const f = classifyStatus(status);
        const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(res.headers['retry-after']) : undefined;
        return { outcome: 'failed', failure: f, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      const body = await hold(res, limits.memoryLimit, limits.maxBytes[this.req.kind]);
      // Checked under the same deadline: inflating a zip for its hash is part of the answer's time.
      const problem = await answerProblem(this.req, contentType, body, this.controller.signal).catch(async (err: unknown) => {
        await body.dispose();
        throw err;
      });
      if (problem) {
        await body.dispose();
        return { outcome: 'failed', failure: problem };
      }
      return { outcome: 'ok', status, contentType, body, headersMs };
    } catch (err) {
      if (this.aborted) return { outcome: 'aborted' };
      const reason = this.controller.signal.reason;
      if (reason instanceof HeaderTimeout || reason instanceof BudgetExhausted)
        return { outcome: 'failed', failure: failure('timeout', reason.message) };
      return { outcome: 'failed', failure: classifyNetworkError(err) };
    } finally {
      clearTimeout(headerTimer);
      clearTimeout(budgetTimer);
    }
  }
}

class HeaderTimeout extends Error {
  constructor(ms: number) {
    super(`no response headers within ${ms} ms`);
  }
}

class BudgetExhausted extends Error {
  constructor() {
    super('no complete answer within its share of the request budget (serve-request-timeout)');
  }
}

function declaredLength(res: IncomingMessage): { declaredBytes?: number } {
  const n = Number(res.headers['content-length']);
  return Number.isSafeInteger(n) && n >= 0 ? { declaredBytes: n } : {};
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
