import { saveModuleCache } from '../cache/module-cache-save.js';
import { goRunEnv } from '../go/run-env.js';
import type { RunContext } from '../model/run-context.js';
import type { Platform } from '../platform/platform.js';
import type { Handover } from '../platform/step-state.js';
import { addServeFigures } from '../report/amend-report.js';
import { docsLinks } from '../report/docs-links.js';
import { absorbedWarning, serveMarkdown, serveTable } from '../report/serve-report.js';
import type { Secrets } from '../secrets/secrets.js';
import { stopDaemon, type DaemonHandle } from '../serve/daemon.js';
import { saveBuildCacheStage } from './build-cache-stage.js';

/**
 * The post step (GitHub): stop the local proxy and report what it did, then
 * save the module cache and the build cache. It never fails a job the main
 * step let through: every part that goes wrong is a warning.
 */
export async function postStage(handed: Handover, platform: Platform, secrets: Secrets, env: NodeJS.ProcessEnv): Promise<void> {
  const context = platform.runContext();
  if (handed.serve) {
    await finishServe(handed.serve, handed.reportPath, platform, secrets, context).catch((err: unknown) =>
      platform.warning(`serve: ${(err as Error).message}`),
    );
  }
  const cache = platform.cache;
  if (!cache) return;
  const event = context.event;
  if (handed.save) {
    try {
      await saveModuleCache(handed.save, cache, platform, { goEnv: goRunEnv(env), event });
    } catch (err) {
      platform.warning(`cache save skipped: ${(err as Error).message}`);
    }
  }
  if (handed.buildCache) {
    await saveBuildCacheStage(handed.buildCache, cache, platform, event).catch((err: unknown) =>
      platform.warning(`build cache save skipped: ${(err as Error).message}`),
    );
  }
}

/** Stop the local proxy, and report what it absorbed: log, summary, and the JSON report. */
async function finishServe(
  handle: DaemonHandle,
  reportPath: string | undefined,
  platform: Platform,
  secrets: Secrets,
  context: RunContext,
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
  await platform.writeSummary(serveMarkdown(stats, docsLinks(context)));
  if (!reportPath) return;
  await addServeFigures(reportPath, stats, secrets).catch((err: unknown) =>
    platform.warning(`serve: could not add the figures to ${reportPath}: ${(err as Error).message}`),
  );
}
