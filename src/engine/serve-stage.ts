import * as path from 'node:path';
import { credentialsAsNetrc, localFirst, withoutCredentials, type Chain } from '../goproxy/chain.js';
import { parseGoAuth } from '../goproxy/goauth.js';
import { formatNetrc, type NetrcEntry } from '../goproxy/netrc.js';
import { sameProxy } from '../goproxy/proxy-url.js';
import { makePrivateTempDir, writePrivateFile } from '../secrets/private-files.js';
import type { ProxyHealth } from '../model/verdict.js';
import type { Platform } from '../platform/platform.js';
import type { Secrets } from '../secrets/secrets.js';
import { launchDaemon, type DaemonHandle } from '../serve/daemon.js';
import { newAccessToken } from '../serve/local-proxy.js';
import type { UpstreamSpec } from '../upstream/upstream.js';
import { redactUrl } from '../secrets/secrets.js';
import type { Prepared } from './prepare-stage.js';
import type { ProbeOutcome } from './probe-stage.js';

/**
 * The ranked proxies of the chain, each with the p95 its probe measured (the
 * first hedge delay) and the fallback its separator asks for.
 */
export function upstreamsOf(chain: Chain, ranked: ProxyHealth[]): UpstreamSpec[] {
  return chain.flatMap((e) =>
    e.kind === 'proxy'
      ? [{ url: e.url, p95Ms: ranked.find((p) => sameProxy(p.url, e.url))?.latencyMs.p95 ?? null, fallBackOnError: e.fallBackOnError }]
      : [],
  );
}

/**
 * GOPROXY under serve: the local proxy (which adds each upstream's
 * credentials itself), then the chain without any user info, for when it is
 * gone. Those credentials move to a netrc file (mode 0600, in a private
 * directory) that NETRC names, ahead of the user's own netrc lines, which are
 * kept. Each line's machine is the proxy URL's prefix (host:port/path), as go
 * 1.24+ matches it; GOAUTH gains `netrc` when the user's did not read netrc.
 */
export function servedGoproxy(
  localUrl: string,
  chain: Chain,
  netrcDir: string,
  userNetrc: readonly NetrcEntry[],
  goauth = 'netrc',
): { chain: Chain; netrcFile?: string; goauth?: string } {
  const entries = credentialsAsNetrc(chain);
  const served = localFirst(localUrl, withoutCredentials(chain));
  if (entries.length === 0) return { chain: served };
  const methods = parseGoAuth(goauth);
  const readsNetrc = methods.some((m) => m.kind === 'netrc');
  // The user's own netrc stays in force only where their GOAUTH read it.
  const own = readsNetrc ? userNetrc : [];
  const dir = makePrivateTempDir(netrcDir, 'netrc-');
  const netrcFile = path.join(dir, 'netrc');
  writePrivateFile(netrcFile, formatNetrc([...entries, ...own]));
  if (readsNetrc) return { chain: served, netrcFile };
  // Last: URL credentials, which these were, come after every GOAUTH method in go.
  return { chain: served, netrcFile, goauth: methods[0]?.kind === 'off' ? 'netrc' : `${goauth};netrc` };
}

export interface ServeStart {
  handle: DaemonHandle | undefined;
  note: string | undefined;
}

/**
 * Start the local proxy in front of the chain. It is an improvement, never
 * a requirement: if it cannot start, the job goes on with the plain chain.
 */
export async function startServeStage(run: Prepared, probe: ProbeOutcome, platform: Platform, secrets: Secrets): Promise<ServeStart> {
  const { config } = run;
  const upstreams = upstreamsOf(probe.chain, probe.ranked);
  if (upstreams.length === 0)
    return { handle: undefined, note: 'serve: the chain holds no proxy to stand in front of; the local proxy was not started' };
  // Masked before any line can hold it; later steps still get it, in the local-proxy output and GOPROXY.
  const token = newAccessToken();
  secrets.addAccessToken(token);
  try {
    const handle = await launchDaemon(
      platform.serveEntry as string,
      {
        upstreams,
        credentials: run.credentials,
        moduleCache: run.goEnv.GOMODCACHE ? run.downloadDir : undefined,
        retries: config.warm.retries,
        dir: platform.workDir,
        idleTimeoutMs: config.serve.idleTimeoutMs,
        requestTimeoutMs: config.serve.requestTimeoutMs,
        watchPid: platform.jobPid,
        token,
      },
      run.env,
    );
    const shown = new URL(handle.url).origin;
    platform.info(`local proxy ${shown} (pid ${handle.pid}) in front of ${upstreams.map((u) => redactUrl(u.url)).join(', ')}`);
    return { handle, note: undefined };
  } catch (err) {
    platform.warning(`serve: ${(err as Error).message}; later steps use the ranked chain directly`, 'go-proxy-guard serve');
    return { handle: undefined, note: `serve: the local proxy did not start (${(err as Error).message})` };
  }
}
