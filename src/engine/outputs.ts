import type { OutputName } from '../config/inputs.js';
import type { Chain } from '../goproxy/chain.js';
import { dockerBuildArgs } from '../goproxy/docker-build-args.js';
import type { RunReport } from '../model/run-report.js';

/** What the outputs need beyond the report: files written and the values later steps really get. */
export interface OutputExtras {
  reportPath: string;
  statusPath: string | undefined;
  statusPagePath: string | undefined;
  /** The local proxy's URL, access token included (later steps of this job use it). */
  localProxy: string | undefined;
  /** The ranked chain, the `goproxy` output's (real credentials: docker-build-args strips them). */
  chain: Chain;
}

/** Every output of the run, by name: a name missing here fails to compile. */
export function outputsOf(report: RunReport, x: OutputExtras): Record<OutputName, string> {
  const warm = report.warm;
  return {
    goproxy: report.goproxy,
    'local-proxy': x.localProxy ?? '',
    'best-proxy': report.bestProxy ?? '',
    'healthy-count': String(report.healthyCount),
    verdict: report.verdict,
    report: x.reportPath,
    'cache-hit': warm?.cacheHit ?? 'none',
    'ladder-step': warm?.ladderStep ?? '',
    modules: String(warm?.downloaded.length ?? 0),
    'download-ms': String(warm?.downloadMs ?? 0),
    status: x.statusPath ?? '',
    'status-page': x.statusPagePath ?? '',
    'build-cache-hit': report.buildCache?.hit ?? 'none',
    'docker-build-args': dockerBuildArgs(x.chain, warm?.goflags),
  };
}
