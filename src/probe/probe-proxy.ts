import { getProxyUrl } from '@actions/http-client/lib/proxy';
import type { Failure } from '../diagnosis/failure.js';
import type { Credentials } from '../goproxy/goauth.js';
import { judgeAnswer } from './answer.js';
import { deadlineFailure, ProxyClient } from './http.js';
import type { ProbeRequest, RequestKind } from './plan.js';
import { readCertificate, type TlsInfo } from './tls.js';

export interface RequestOutcome {
  kind: RequestKind;
  module?: string;
  status?: number;
  ms: number;
  ok: boolean;
  failure?: Failure;
}

export interface ProbeResult {
  /** The candidate's URL as given (may hold credentials: mask before showing). */
  url: string;
  tls: TlsInfo | null;
  outcomes: RequestOutcome[];
  /** module@version (or module path) the proxy lacks although the project needs it. */
  stale: string[];
  durationMs: number;
  /** Requests not waited for because the caller stopped the probe early; not counted either way. */
  notWaitedFor: number;
  /** Requests the deadline (or the caller) cut off before they were answered: neither success nor failure. */
  notMeasured: number;
}

/** An unanswered request this many times slower than the slowest answer is hung, not slow... */
const HUNG_FACTOR = 3;
/** ...once it has waited at least this long (loopback answers take a millisecond). */
const HUNG_FLOOR_MS = 500;

/**
 * How long an unanswered request may have waited at the cut and still be
 * "not measured" rather than failed: up to latency-max (where the latency
 * score is zero anyway), less when the proxy answered everything else far faster.
 */
export function hungAfterMs(answeredMs: number[], latencyMaxMs: number): number {
  if (answeredMs.length === 0) return latencyMaxMs;
  return Math.min(latencyMaxMs, Math.max(HUNG_FLOOR_MS, HUNG_FACTOR * Math.max(...answeredMs)));
}

/**
 * Probe one proxy under a hard deadline. At the deadline every request still
 * open is cut off: one that waited past hungAfterMs counts as timed out, the
 * others (and those never sent) are "not measured", so a slow proxy is judged
 * on the answers it gave and a hung one, answering nothing, is down. Either
 * way the probe costs at most the deadline.
 */
export async function probeProxy(url: string, plan: ProbeRequest[], opts: ProbeOptions): Promise<ProbeResult> {
  const started = performance.now();
  const result: ProbeResult = { url, tls: null, outcomes: [], stale: [], durationMs: 0, notWaitedFor: 0, notMeasured: 0 };
  const remaining = () => opts.deadlineMs - (performance.now() - started);

  // Through an HTTP(S)_PROXY only the requests themselves can reach the proxy: no direct TLS look.
  if (new URL(url).protocol === 'https:' && !getProxyUrl(new URL(url))) {
    const cert = await readCertificate(url, opts.deadlineMs);
    if (!('daysLeft' in cert) || cert.failure) {
      // A proxy whose certificate the go command rejects answers nothing: every request fails alike.
      const why = 'daysLeft' in cert ? (cert.failure as Failure) : cert.failure;
      result.tls = 'daysLeft' in cert ? cert : null;
      result.outcomes = plan.map((r) => ({ kind: r.kind, module: moduleOf(r), ms: 0, ok: false, failure: why }));
      result.durationMs = performance.now() - started;
      return result;
    }
    result.tls = cert;
  }

  const sent = await sendUntilDeadline(url, plan, opts, remaining, result.stale);
  const answered = sent.outcomes.filter((o): o is RequestOutcome => o !== undefined);
  result.outcomes = judgeAtTheCut(
    plan,
    sent,
    hungAfterMs(
      answered.map((o) => o.ms),
      opts.latencyMaxMs,
    ),
  );
  result.notMeasured = plan.length - result.outcomes.length;
  // Stopped early, not timed out: the note says the proxy was still answering.
  if (sent.wasCut && answered.length > 0) result.notWaitedFor = result.notMeasured;
  // Freeze the answers: workers still waiting on a destroyed socket must not write later.
  for (let i = 0; i < sent.outcomes.length; i++) sent.outcomes[i] ??= { kind: 'list', ms: 0, ok: false };
  result.durationMs = performance.now() - started;
  return result;
}

export interface ProbeOptions {
  deadlineMs: number;
  credentials: Credentials;
  /** Ends the probe before its deadline, exactly as the deadline would (see probeStage). */
  cut?: Promise<void>;
  /** Requests in flight at once (see fitProbe). */
  concurrency: number;
  /** The score model's latency-max: an answer slower than this is worth nothing. */
  latencyMaxMs: number;
}

/** What the requests sent so far gave, by their index in the plan, when the deadline or the cut came. */
interface Sent {
  outcomes: (RequestOutcome | undefined)[];
  sentAt: (number | undefined)[];
  wasCut: boolean;
}

/** Send the plan's requests, `concurrency` at a time, until they are all answered, the deadline passes or the caller cuts. */
async function sendUntilDeadline(
  url: string,
  plan: ProbeRequest[],
  opts: ProbeOptions,
  remaining: () => number,
  stale: string[],
): Promise<Sent> {
  const client = new ProxyClient(url, opts.credentials, remaining());
  const sent: Sent = { outcomes: new Array(plan.length), sentAt: new Array(plan.length), wasCut: false };
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const worker = async () => {
    while (next < plan.length && remaining() > 0) {
      const i = next++;
      const req = plan[i] as ProbeRequest;
      sent.sentAt[i] = performance.now();
      const fetched = await client.get(req.path, { firstBytesOnly: req.kind === 'zip' });
      if (sent.outcomes[i]) continue;
      if ('failure' in fetched) {
        sent.outcomes[i] = { kind: req.kind, module: moduleOf(req), ms: fetched.ms, ok: false, failure: fetched.failure };
        continue;
      }
      const j = judgeAnswer(req, fetched.answer);
      sent.outcomes[i] = {
        kind: req.kind,
        module: moduleOf(req),
        status: fetched.answer.status,
        ms: fetched.ms,
        ok: j.ok,
        failure: j.failure,
      };
      if (j.stale && !stale.includes(j.stale)) stale.push(j.stale);
    }
  };
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, remaining()));
  });
  const cut = opts.cut?.then(() => {
    sent.wasCut = true;
  });
  await Promise.race([Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker)), deadline, ...(cut ? [cut] : [])]);
  clearTimeout(timer);
  client.close();
  return sent;
}

/** The answers, plus a timeout for each request that waited past hungAfter; the rest are not measured. */
function judgeAtTheCut(plan: ProbeRequest[], sent: Sent, hungAfter: number): RequestOutcome[] {
  const now = performance.now();
  const judged: RequestOutcome[] = [];
  plan.forEach((r, i) => {
    const o = sent.outcomes[i];
    const at = sent.sentAt[i];
    if (o) judged.push(o);
    else if (at !== undefined && now - at >= hungAfter) {
      const waited = Math.round(now - at);
      judged.push({ kind: r.kind, module: moduleOf(r), ms: waited, ok: false, failure: deadlineFailure(waited) });
    }
  });
  return judged;
}

const moduleOf = (r: ProbeRequest) => (r.module ? `${r.module.path}@${r.module.version}` : undefined);
