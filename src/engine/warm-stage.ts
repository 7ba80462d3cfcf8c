import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { cacheKeys } from '../cache/key.js';
import { hitKind, type CacheHit, type CiCache } from '../cache/ci-cache.js';
import { listFiles } from '../cache/prune.js';
import type { Config } from '../config/config.js';
import { escapeModulePath, escapeVersion } from '../goproxy/module-path.js';
import type { GoEnv } from '../go/go-env.js';
import type { Platform } from '../platform/platform.js';
import type { Project } from '../project/discover.js';
import { downloadAll, verifyModules, vendorUsable, type DownloadTarget, type GoRunner } from '../warm/download.js';
import { climbLadder, type LadderResult } from '../warm/ladder.js';

export interface WarmOutcome {
  cacheHit: CacheHit;
  cacheKey: string | undefined;
  ladder: LadderResult;
  /** module@version fetched over the network this run (absent from the cache before). */
  downloaded: string[];
  downloadMs: number;
  target: DownloadTarget;
}

/** The directory the go command warms from, and the files it must not change. */
export function downloadTarget(project: Project): DownloadTarget {
  const dir = project.goWork ? path.dirname(project.goWork) : project.root;
  const files = project.modules.flatMap((m) => [m.goMod, path.join(m.dir, 'go.sum')]);
  if (project.goWork) files.push(project.goWork, `${project.goWork}.sum`);
  return { dir, protectedFiles: files };
}

/** The environment every go invocation gets: the user's, minus a -mod flag that `go mod download` refuses. */
export function goRunEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const goflags = (env.GOFLAGS ?? '').split(/\s+/).filter((f) => f && !/^-mod=/.test(f)).join(' ');
  return { ...env, GOFLAGS: goflags };
}

export const downloadDir = (gomodcache: string) => path.join(gomodcache, 'cache', 'download');

export async function warmStage(opts: {
  config: Config;
  goEnv: GoEnv;
  project: Project;
  healthyProxies: string[];
  directAllowed: boolean;
  platform: Platform;
  cache: CiCache | undefined;
  env: NodeJS.ProcessEnv;
}): Promise<WarmOutcome> {
  const { config, goEnv, project, platform } = opts;
  const target = downloadTarget(project);
  const runner: GoRunner = {
    env: goRunEnv(opts.env),
    timeoutMs: config.warm.timeoutMs,
    onProgress: (line) => platform.debug(line),
  };
  const started = performance.now();
  let cacheHit: CacheHit = 'none';
  let cacheKey: string | undefined;
  if (config.cache.enabled && opts.cache) {
    const sums = await Promise.all(
      project.sumFiles.map(async (f) => ({ name: path.relative(project.root, f), content: await fs.readFile(f) })),
    );
    const keys = cacheKeys({ prefix: config.cache.keyPrefix, os: goEnv.GOOS, arch: goEnv.GOARCH, sums });
    cacheKey = keys.primary;
    try {
      const matched = await opts.cache.restore([downloadDir(goEnv.GOMODCACHE)], keys.primary, keys.restore);
      cacheHit = hitKind(matched, keys.primary);
      platform.info(matched ? `cache: restored ${cacheHit} match ${matched}` : `cache: no entry for ${keys.primary}`);
    } catch (err) {
      platform.warning(`cache restore failed, continuing without it: ${(err as Error).message}`, 'go-proxy-guard cache');
    }
  }
  const zipsBefore = new Set((await listFiles(downloadDir(goEnv.GOMODCACHE))).filter((f) => f.endsWith('.zip')));

  const ladder = await climbLadder(
    {
      proxies: opts.healthyProxies,
      retries: config.warm.retries,
      backoffMs: config.warm.backoffMs,
      directAllowed: opts.directAllowed,
      cacheRestored: cacheHit !== 'none',
      vendorFallback: config.warm.vendorFallback,
      hasVendor: project.vendorDir !== undefined,
    },
    {
      download: (goproxy) => downloadAll(target, goproxy, runner),
      offline: async () => {
        const a = await downloadAll(target, 'off', runner);
        const v = a.ok ? await verifyModules(target, runner) : { ok: false, output: '' };
        return { ...a, verified: v.ok, verifyOutput: v.output };
      },
      vendor: () => vendorUsable(target, runner),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      log: (m) => platform.info(m),
    },
  );
  const downloaded = ladder.buildList.filter((id) => {
    const at = id.lastIndexOf('@');
    const rel = path.join(escapeModulePath(id.slice(0, at)), '@v', `${escapeVersion(id.slice(at + 1))}.zip`);
    return !zipsBefore.has(rel);
  });
  return { cacheHit, cacheKey, ladder, downloaded, downloadMs: Math.round(performance.now() - started), target };
}
