import { getProxyUrl } from '@actions/http-client/lib/proxy';
import type { Failure } from '../diagnosis/failure.js';
import type { NetrcEntry } from '../goproxy/netrc.js';
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
}

const PER_PROXY_CONCURRENCY = 4;

/**
 * Probe one proxy under a hard deadline: at the deadline every request still
 * open is cut off and every request not yet sent counts as timed out, so a
 * hung proxy costs exactly the deadline and scores as failing.
 */
export async function probeProxy(
  url: string,
  plan: ProbeRequest[],
  opts: {
    deadlineMs: number;
    netrc: NetrcEntry[];
    /** Ends the probe before its deadline, exactly as the deadline would (see probeStage). */
    cut?: Promise<void>;
  },
): Promise<ProbeResult> {
  const started = performance.now();
  const result: ProbeResult = { url, tls: null, outcomes: [], stale: [], durationMs: 0, notWaitedFor: 0 };
  let wasCut = false;
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

  const client = new ProxyClient(url, opts.netrc, remaining());
  const outcomes: (RequestOutcome | undefined)[] = new Array(plan.length);
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  const worker = async () => {
    while (next < plan.length && remaining() > 0) {
      const i = next++;
      const req = plan[i] as ProbeRequest;
      const fetched = await client.get(req.path, { firstBytesOnly: req.kind === 'zip' });
      if (outcomes[i]) continue;
      if ('failure' in fetched) {
        outcomes[i] = { kind: req.kind, module: moduleOf(req), ms: fetched.ms, ok: false, failure: fetched.failure };
        continue;
      }
      const j = judgeAnswer(req, fetched.answer);
      outcomes[i] = { kind: req.kind, module: moduleOf(req), status: fetched.answer.status, ms: fetched.ms, ok: j.ok, failure: j.failure };
      if (j.stale && !result.stale.includes(j.stale)) result.stale.push(j.stale);
    }
  };
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, remaining()));
  });
  const cut = opts.cut?.then(() => {
    wasCut = true;
  });
  await Promise.race([Promise.all(Array.from({ length: PER_PROXY_CONCURRENCY }, worker)), deadline, ...(cut ? [cut] : [])]);
  clearTimeout(timer);
  client.close();
  const elapsed = Math.round(performance.now() - started);
  const answered = outcomes.filter(Boolean).length;
  if (wasCut && answered > 0) {
    // Stopped early, not timed out: a proxy that is answering is judged on its answers alone.
    result.notWaitedFor = plan.length - answered;
    result.outcomes = outcomes.filter((o): o is RequestOutcome => o !== undefined);
  } else {
    result.outcomes = plan.map(
      (r, i) => outcomes[i] ?? { kind: r.kind, module: moduleOf(r), ms: elapsed, ok: false, failure: deadlineFailure(elapsed) },
    );
  }
  // Freeze the answers: workers still waiting on a destroyed socket must not write later.
  for (let i = 0; i < outcomes.length; i++) outcomes[i] ??= { kind: 'list', ms: 0, ok: false };
  result.durationMs = performance.now() - started;
  return result;
}

const moduleOf = (r: ProbeRequest) => (r.module ? `${r.module.path}@${r.module.version}` : undefined);
