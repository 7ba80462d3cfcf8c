import { replaceFile } from '../secrets/own-files.js';
import * as fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config/config.js';
import { chainWithoutCredentials, formatGoproxy, localProxyFirst, type Chain } from '../goproxy/chain.js';
import { parseGoAuth, type Credentials } from '../goproxy/goauth.js';
import { netrcMachineFor, netrcPath, type NetrcEntry } from '../goproxy/netrc.js';
import { sameProxy } from '../goproxy/proxy-url.js';
import { makePrivateTempDir, writePrivateFile } from '../secrets/private-files.js';
import type { ProxyHealth } from '../model/verdict.js';
import type { Platform } from '../platform/platform.js';
import type { RunReport } from '../report/run-report.js';
import { docsLinks } from '../report/docs-links.js';
import { absorbedWarning, serveMarkdown, serveTable } from '../report/serve-report.js';
import type { Secrets } from '../secrets/secrets.js';
import { launchDaemon, stopDaemon, type DaemonHandle } from '../serve/daemon.js';
import { newAccessToken } from '../serve/local-proxy.js';
import type { UpstreamSpec } from '../serve/upstream.js';
import { redactUrl } from '../secrets/secrets.js';

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
 * directory) that NETRC names, ahead of the user's own netrc, which is kept.
 * Each line's machine is the proxy URL's prefix (host:port/path), as go 1.24+
 * matches it; GOAUTH gains `netrc` when the user's did not read netrc.
 */
export function servedGoproxy(
  localUrl: string,
  chain: Chain,
  netrcDir: string,
  env: NodeJS.ProcessEnv,
  goauth = 'netrc',
): { goproxy: string; netrcFile?: string; goauth?: string } {
  const entries: NetrcEntry[] = [];
  for (const e of chain) {
    if (e.kind !== 'proxy') continue;
    const u = new URL(e.url);
    const machine = netrcMachineFor(u);
    // netrc needs a login and a password; a lone token user name cannot be written there.
    if (u.protocol === 'https:' && u.username && u.password && !entries.some((x) => x.machine === machine)) {
      entries.push({ machine, login: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    }
  }
  const goproxy = formatGoproxy(localProxyFirst(localUrl, chainWithoutCredentials(chain)));
  if (entries.length === 0) return { goproxy };
  const methods = parseGoAuth(goauth);
  const readsNetrc = methods.some((m) => m.kind === 'netrc');
  // The user's own netrc stays in force only where their GOAUTH read it.
  const own = readsNetrc ? readUserNetrc(env) : '';
  const dir = makePrivateTempDir(netrcDir, 'netrc-');
  const netrcFile = path.join(dir, 'netrc');
  writePrivateFile(netrcFile, `${entries.map((e) => `machine ${e.machine} login ${e.login} password ${e.password}`).join('\n')}\n${own}`);
  if (readsNetrc) return { goproxy, netrcFile };
  // Last: URL credentials, which these were, come after every GOAUTH method in go.
  return { goproxy, netrcFile, goauth: methods[0]?.kind === 'off' ? 'netrc' : `${goauth};netrc` };
}

function readUserNetrc(env: NodeJS.ProcessEnv): string {
  try {
    return readFileSync(netrcPath(env), 'utf8');
  } catch {
    return '';
  }
}

export interface ServeStart {
  handle: DaemonHandle | undefined;
  note: string | undefined;
}

/**
 * Start the local proxy in front of the chain. It is an improvement, never
 * a requirement: if it cannot start, the job goes on with the plain chain.
 */
export async function startServeStage(opts: {
  config: Config;
  entry: string;
  chain: Chain;
  ranked: ProxyHealth[];
  credentials: Credentials;
  gomodcache: string;
  platform: Platform;
  env: NodeJS.ProcessEnv;
  watchPid: number | undefined;
  secrets: Secrets;
}): Promise<ServeStart> {
  const upstreams = upstreamsOf(opts.chain, opts.ranked);
  if (upstreams.length === 0)
    return { handle: undefined, note: 'serve: the chain holds no proxy to stand in front of; the local proxy was not started' };
  // Masked before any line can hold it; later steps still get it, in the local-proxy output and GOPROXY.
  const token = newAccessToken();
  opts.secrets.addAccessToken(token);
  try {
    const handle = await launchDaemon(
      opts.entry,
      {
        upstreams,
        credentials: opts.credentials,
        moduleCache: opts.gomodcache ? path.join(opts.gomodcache, 'cache', 'download') : undefined,
        retries: opts.config.warm.retries,
        dir: opts.platform.workDir,
        idleTimeoutMs: opts.config.serve.idleTimeoutMs,
        requestTimeoutMs: opts.config.serve.requestTimeoutMs,
        watchPid: opts.watchPid,
        token,
      },
      opts.env,
    );
    const shown = new URL(handle.url).origin;
    opts.platform.info(`local proxy ${shown} (pid ${handle.pid}) in front of ${upstreams.map((u) => redactUrl(u.url)).join(', ')}`);
    return { handle, note: undefined };
  } catch (err) {
    opts.platform.warning(`serve: ${(err as Error).message}; later steps use the ranked chain directly`, 'go-proxy-guard serve');
    return { handle: undefined, note: `serve: the local proxy did not start (${(err as Error).message})` };
  }
}

/** Stop the local proxy, and report what it absorbed: log, summary, and the JSON report. */
export async function finishServeStage(
  handle: DaemonHandle,
  reportPath: string | undefined,
  platform: Platform,
  secrets: Secrets,
): Promise<void> {
  // The post step is a new process: its own masking learns the token again before anything is logged.
  const token = /^\/([^/]+)/.exec(new URL(handle.url).pathname)?.[1];
  if (token) secrets.addAccessToken(token);
  const stats = await stopDaemon(handle);
  if (!stats) {
    platform.warning(`serve: the local proxy left no figures (log: ${handle.logFile})`, 'go-proxy-guard serve');
    return;
  }
  platform.info(serveTable(stats));
  // The build passed, so absorbed failures would go unseen without one warning on the run page.
  const absorbed = absorbedWarning(stats);
  if (absorbed) platform.warning(absorbed, 'Go proxy failures absorbed by the local proxy');
  await platform.writeSummary(serveMarkdown(stats, docsLinks(platform.runContext())));
  if (!reportPath) return;
  try {
    const report = JSON.parse(await fs.readFile(reportPath, 'utf8')) as RunReport;
    report.serve = { url: stats.url, upstreams: stats.upstreams.map((u) => u.url), stats };
    await replaceFile(reportPath, secrets.mask(JSON.stringify(report, null, 2)) + '\n');
  } catch (err) {
    platform.warning(`serve: could not add the figures to ${reportPath}: ${(err as Error).message}`);
  }
}
