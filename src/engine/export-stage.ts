import { localFirst, shownChain, type Chain } from '../goproxy/chain.js';
import type { Platform } from '../platform/platform.js';
import type { Secrets } from '../secrets/secrets.js';
import type { DaemonHandle } from '../serve/daemon.js';
import type { Prepared } from './prepare-stage.js';
import type { ProbeOutcome } from './probe-stage.js';
import { servedGoproxy, startServeStage } from './serve-stage.js';

export interface Exported {
  /** The local proxy, when it runs: it lives beside the job until the post step (or the job's end) stops it. */
  handle: DaemonHandle | undefined;
  note: string | undefined;
  /** The GOPROXY later steps get (real URLs: the local proxy's access token, credentials where they stay in it). */
  chain: Chain;
  /** The same chain as the report shows it: credentials masked, the local proxy's access token left out. */
  shown: Chain;
}

/**
 * Start the local proxy in front of the ranked chain (where later steps run
 * on this machine), then export GOPROXY (and NETRC for the chain's
 * credentials) to later steps. What they get is decided here, once: the
 * report shows this chain, not one rebuilt from the ranking.
 */
export async function exportStage(run: Prepared, probe: ProbeOutcome, platform: Platform, secrets: Secrets): Promise<Exported> {
  // direct and off leave no proxy for the local proxy to stand in front of.
  const wanted = run.config.serve.enabled && platform.serveEntry && !run.forcedEnd;
  const serve = wanted ? await startServeStage(run, probe, platform, secrets) : undefined;
  // "|" after the local proxy: should it ever stop, the go command goes straight on down the chain,
  // whose credentials are in a netrc file of ours, never in GOPROXY.
  const served = serve?.handle ? servedGoproxy(serve.handle.url, probe.chain, platform.workDir, run.netrc, run.goEnv.GOAUTH) : undefined;
  if (served?.netrcFile) platform.exportVariable('NETRC', served.netrcFile);
  if (served?.goauth) platform.exportVariable('GOAUTH', served.goauth);
  const chain = platform.exportGoproxy(served?.chain ?? probe.chain);
  const shown = shownExport(chain, serve?.handle?.url, (url) => secrets.addUrl(url));
  return { handle: serve?.handle, note: serve?.note, chain, shown };
}

/**
 * The exported chain as the report shows it: credentials masked, and the
 * local proxy (which leads the chain when it runs) without its access token,
 * which is for this job's go commands, not for an artifact a reader shares.
 */
export function shownExport(exported: Chain, localUrl: string | undefined, shown: (url: string) => string): Chain {
  const hidden = localUrl ? localFirst(`${new URL(localUrl).origin}/…`, exported.slice(1)) : exported;
  return shownChain(hidden, shown);
}
