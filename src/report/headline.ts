import type { GateDecision } from '../model/gate.js';
import type { LadderStep } from '../model/ladder.js';
import type { RunReport } from '../model/run-report.js';
import type { Verdict } from '../model/verdict.js';
import { failedDownload, gateWords, proxiesProblem, rescue, unhealthy, unhealthyUrls } from './explain.js';
import { millis, sentence } from './format.js';
import { toolchainAdvice } from './toolchain-text.js';

/**
 * The three things a reader takes from a run in five seconds, in plain words:
 * the verdict, one sentence on the cause, one action. The summary's top
 * block, the log's last line and the annotations all say it the same way.
 * Plain text: each output escapes it for its own format.
 */
export interface Headline {
  verdict: Verdict;
  /** The verdict and, for a rescued run, what rescued it: "degraded, saved by the CI cache". */
  title: string;
  cause: string;
  action: string;
}

const RESCUER: Record<Exclude<LadderStep, 'proxy' | 'failed'>, string> = {
  retry: 'a retry',
  direct: 'direct downloads from the origin',
  cache: 'the CI cache',
  vendor: 'vendor/',
};

const VERDICT_WORD: Record<Verdict, string> = { healthy: 'healthy', degraded: 'degraded', failed: 'failed' };

export function headline(report: RunReport): Headline {
  const warm = report.warm;
  const step = warm?.ladderStep;
  // An exact restore tried first is a rescue only when no proxy could have done the job: otherwise the cache simply held every module.
  const rescued =
    step !== undefined && step !== 'proxy' && step !== 'failed' && (warm?.ladder[0]?.step !== step || report.healthyCount === 0);
  const title = rescued ? `${VERDICT_WORD[report.verdict]}, saved by ${RESCUER[step]}` : VERDICT_WORD[report.verdict];
  const { cause, action } =
    warm?.ladderStep === 'failed' ? failedRun(report, warm) : rescued && warm ? rescue(report, warm) : proxyRun(report);
  // An emergency override must never be forgotten: it leads the cause wherever the headline goes.
  return { verdict: report.verdict, title, cause: report.override ? `${sentence(report.override)} ${cause}` : cause, action };
}

/** The build got its modules from the proxies (or there was no warm-up). */
function proxyRun(report: RunReport): { cause: string; action: string } {
  const n = report.proxies.length;
  const failing = unhealthy(report);
  const best = report.bestProxy;
  if (n === 0) return { cause: 'No proxy was probed.', action: 'Nothing to do: later steps use the GOPROXY shown below.' };
  const used = !report.warm
    ? 'later steps use'
    : report.warm.ladderStep === 'cache'
      ? 'the restored CI cache held every module; later steps use'
      : 'the build used';
  if (failing.length === 0) {
    const fastest = report.proxies[0];
    return {
      cause: `${n} of ${n} proxies healthy; ${fastest?.url} answered in ${millis(fastest?.latencyMs.p50)} at the median.`,
      action: `Nothing to do: ${used} ${best}.`,
    };
  }
  const problem = proxiesProblem(failing, n);
  if (best) {
    return {
      cause: `${problem}; ${report.healthyCount} of ${n} proxies healthy.`,
      action: `Nothing to do: ${used} ${best}. If ${unhealthyUrls(report)} ${failing.length === 1 ? 'keeps failing, fix it or remove it' : 'keep failing, fix them or remove them'} from the proxies input.`,
    };
  }
  const direct = report.chain.some((e) => e.kind === 'direct');
  return {
    cause: `${problem}; ${direct ? 'later steps fall back to direct downloads from the origin' : 'direct was off'}.`,
    action: direct
      ? `Re-run when ${unhealthyUrls(report)} recovers: direct downloads are slow and need git.`
      : `Re-run when ${unhealthyUrls(report)} recovers.`,
  };
}

function failedRun(report: RunReport, warm: NonNullable<RunReport['warm']>): { cause: string; action: string } {
  const t = report.toolchain;
  const toolchain =
    t && (t.source === 'failed' || (t.source === 'invalid' && t.diagnosis)) ? toolchainAdvice(t, report.project.root) : undefined;
  // Without the toolchain no go command runs: that, not the modules, is what to fix.
  if (toolchain) return { cause: sentence(warm.diagnosis?.message ?? 'the Go toolchain could not be obtained'), action: toolchain };
  return failedDownload(report, warm);
}

/**
 * The log's last line: the verdict, the cause and the action on one line,
 * and whether this step fails the job.
 */
export function finalLine(report: RunReport, gate: GateDecision): string {
  const h = headline(report);
  const job = gate.pass ? '' : ` This step fails the job: ${gateWords(gate)}.`;
  return `go-proxy-guard: ${h.title}. ${h.cause} ${h.action}${job}`;
}
