import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Config } from '../config/config.js';
import { proxyUrls, type Chain } from '../goproxy/chain.js';
import type { NetrcEntry } from '../goproxy/netrc.js';
import { sameProxy } from '../goproxy/proxy-url.js';
import type { ProxyHealth } from '../health/proxy-health.js';
import type { Platform } from '../platform/platform.js';
import type { RunReport } from '../report/run-report.js';
import { absorbedWarning, serveMarkdown, serveTable } from '../report/serve-report.js';
import type { Secrets } from '../secrets/secrets.js';
import { launchDaemon, stopDaemon, type DaemonHandle } from '../serve/daemon.js';
import type { UpstreamSpec } from '../serve/upstream.js';
import { redactUrl } from '../secrets/secrets.js';

/** The ranked proxies of the chain, each with the p95 its probe measured (the first hedge delay). */
export function upstreamsOf(chain: Chain, ranked: ProxyHealth[]): UpstreamSpec[] {
  return proxyUrls(chain).map((url) => ({ url, p95Ms: ranked.find((p) => sameProxy(p.url, url))?.latencyMs.p95 ?? null }));
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
  netrc: NetrcEntry[];
  gomodcache: string;
  platform: Platform;
  env: NodeJS.ProcessEnv;
  watchPid: number | undefined;
}): Promise<ServeStart> {
  const upstreams = upstreamsOf(opts.chain, opts.ranked);
  if (upstreams.length === 0) return { handle: undefined, note: 'serve: the chain holds no proxy to stand in front of; the local proxy was not started' };
  try {
    const handle = await launchDaemon(
      opts.entry,
      {
        upstreams,
        netrc: opts.netrc,
        moduleCache: opts.gomodcache ? path.join(opts.gomodcache, 'cache', 'download') : undefined,
        retries: opts.config.warm.retries,
        dir: path.join(opts.platform.workDir, 'serve'),
        idleTimeoutMs: opts.config.serve.idleTimeoutMs,
        watchPid: opts.watchPid,
      },
      opts.env,
    );
    opts.platform.info(`local proxy ${handle.url} (pid ${handle.pid}) in front of ${upstreams.map((u) => redactUrl(u.url)).join(', ')}`);
    return { handle, note: undefined };
  } catch (err) {
    opts.platform.warning(`serve: ${(err as Error).message}; later steps use the ranked chain directly`, 'go-proxy-guard serve');
    return { handle: undefined, note: `serve: the local proxy did not start (${(err as Error).message})` };
  }
}

/** Stop the local proxy, and report what it absorbed: log, summary, and the JSON report. */
export async function finishServeStage(handle: DaemonHandle, reportPath: string | undefined, platform: Platform, secrets: Secrets): Promise<void> {
  const stats = await stopDaemon(handle);
  if (!stats) {
    platform.warning(`serve: the local proxy left no figures (log: ${handle.logFile})`, 'go-proxy-guard serve');
    return;
  }
  platform.info(serveTable(stats));
  // The build passed, so absorbed failures would go unseen without one warning on the run page.
  const absorbed = absorbedWarning(stats);
  if (absorbed) platform.warning(absorbed, 'Go proxy failures absorbed by the local proxy');
  await platform.writeSummary(serveMarkdown(stats));
  if (!reportPath) return;
  try {
    const report = JSON.parse(await fs.readFile(reportPath, 'utf8')) as RunReport;
    report.serve = { url: stats.url, upstreams: stats.upstreams.map((u) => u.url), stats };
    await fs.writeFile(reportPath, secrets.mask(JSON.stringify(report, null, 2)) + '\n');
  } catch (err) {
    platform.warning(`serve: could not add the figures to ${reportPath}: ${(err as Error).message}`);
  }
}
