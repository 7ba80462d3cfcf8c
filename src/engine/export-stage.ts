import { formatGoproxy } from '../goproxy/chain.js';
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
  /** The GOPROXY later steps get. */
  goproxy: string;
}

/**
 * Start the local proxy in front of the ranked chain (where later steps run
 * on this machine), then export GOPROXY (and NETRC for the chain's
 * credentials) to later steps.
 */
export async function exportStage(run: Prepared, probe: ProbeOutcome, platform: Platform, secrets: Secrets): Promise<Exported> {
  const { config } = run;
  // direct and off leave no proxy for the local proxy to stand in front of.
  const wanted = config.serve.enabled && platform.serveEntry && !(config.override && config.override.mode !== 'proxies');
  const serve = wanted
    ? await startServeStage({
        config,
        entry: platform.serveEntry as string,
        chain: probe.chain,
        ranked: probe.ranked,
        credentials: run.credentials,
        gomodcache: run.goEnv.GOMODCACHE,
        platform,
        env: run.env,
        watchPid: platform.jobPid,
        secrets,
      })
    : undefined;
  // "|" after the local proxy: should it ever stop, the go command goes straight on down the chain,
  // whose credentials are in a netrc file of ours, never in GOPROXY.
  const served = serve?.handle ? servedGoproxy(serve.handle.url, probe.chain, platform.workDir, run.env, run.goEnv.GOAUTH) : undefined;
  if (served?.netrcFile) platform.exportVariable('NETRC', served.netrcFile);
  if (served?.goauth) platform.exportVariable('GOAUTH', served.goauth);
  const goproxy = served?.goproxy ?? formatGoproxy(probe.chain);
  platform.exportVariable('GOPROXY', goproxy);
  return { handle: serve?.handle, note: serve?.note, goproxy };
}
