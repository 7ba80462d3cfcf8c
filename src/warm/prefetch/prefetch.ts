import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Credentials } from '../../goproxy/goauth.js';
import type { Project } from '../../project/discover.js';
import { prefetchFiles } from './fetch.js';
import type { PrefetchReport } from '../../model/run-report.js';
import { parseGoSum, type SumLine } from './go-sum.js';
import { startExtractor } from './extract.js';
import { planPrefetch } from './plan.js';

export interface PrefetchOptions {
  project: Project;
  /** GOMODCACHE/cache/download. */
  downloadDir: string;
  /** Escaped paths under downloadDir that exist already. */
  cachedFiles: ReadonlySet<string>;
  gonoproxy: string;
  /** Ranked proxy URLs (no direct/off). */
  proxies: string[];
  credentials: Credentials;
  concurrency: number;
  retries: number;
  deadlineMs: number;
  env: NodeJS.ProcessEnv;
  /** The environment the go command runs with (the user's, -mod dropped): for unpacking what arrives. */
  goEnv: NodeJS.ProcessEnv;
}

/**
 * Everything go.sum names, fetched at once before `go mod download` walks
 * the module graph level by level: the walk then finds every file local.
 * Without a usable go.sum there is nothing to fetch ahead and the go
 * command does all of it, as it always did.
 */
export async function prefetchFromGoSum(opts: PrefetchOptions): Promise<PrefetchReport> {
  try {
    return await prefetch(opts);
  } catch (err) {
    // Only ever a speed-up: whatever broke here, go mod download does the work as before.
    return {
      ...emptyReport(opts.concurrency),
      status: 'skipped',
      reason: `prefetch failed (${(err as Error).message.slice(0, 200)}): go mod download fetched the rest itself`,
    };
  }
}

async function prefetch(opts: PrefetchOptions): Promise<PrefetchReport> {
  const skip = (reason: string): PrefetchReport => ({ ...emptyReport(opts.concurrency), status: 'skipped', reason });
  if (opts.concurrency === 0) return skip('prefetch-concurrency is 0');
  if (opts.project.requirements.length === 0) return skip('go.mod requires no module');
  if (opts.proxies.length === 0) return skip('no healthy proxy to prefetch from');
  const withoutSum = opts.project.modules.filter((m) => !m.goSum).map((m) => path.relative(opts.project.root, m.goMod) || 'go.mod');
  if (withoutSum.length > 0) return skip(`no go.sum next to ${withoutSum.join(', ')}: go mod download fetched everything itself`);
  const sums: SumLine[] = [];
  for (const file of opts.project.sumFiles) sums.push(...parseGoSum(await fs.readFile(file, 'utf8')));
  if (sums.length === 0) return skip('go.sum names no module: go mod download fetched everything itself');

  const plan = planPrefetch({
    sums,
    requirements: opts.project.requirements,
    gonoproxy: opts.gonoproxy,
    cached: opts.cachedFiles,
    explicitRequirements: opts.project.explicitRequirements,
  });
  const extractor = startExtractor({ downloadDir: opts.downloadDir, env: opts.goEnv, timeoutMs: opts.deadlineMs });
  // Modules a restored cache holds whole are unpacked meanwhile too.
  for (const r of opts.project.requirements) if (!r.private) extractor.placed(r.path, r.version);
  // The extractor's go runs end, and its scratch directory goes, whatever the prefetch does.
  const fetched = await prefetchFiles({
    files: plan.files,
    upstreams: opts.proxies.map((url) => ({ url, p95Ms: null })),
    credentials: opts.credentials,
    downloadDir: opts.downloadDir,
    concurrency: opts.concurrency,
    retries: opts.retries,
    deadlineMs: opts.deadlineMs,
    env: opts.env,
    onPlaced: (f) => extractor.placed(f.module, f.version),
  }).finally(() => extractor.finish());
  const { upstreamFailures, ...figures } = fetched;
  const unpacked = await extractor.finish();
  return {
    unpacked: unpacked.extracted,
    ...figures,
    upstreamFailures,
    status: 'done',
    ...(plan.unsummed.length > 0
      ? {
          reason: `go.sum holds no zip hash for ${plan.unsummed.length} required modules (incomplete, or they provide no package): go mod download fetched them itself`,
        }
      : {}),
    cached: plan.cached,
    private: plan.private,
    unsummed: plan.unsummed,
    maxRssMiB: maxRssMiB(),
  };
}

function emptyReport(concurrency: number): Omit<PrefetchReport, 'status'> {
  return {
    planned: 0,
    fetched: 0,
    bytes: 0,
    ms: 0,
    concurrency,
    absorbed: 0,
    rejected: 0,
    missed: 0,
    failures: [],
    requests: 0,
    cached: 0,
    private: [],
    unsummed: [],
    maxRssMiB: maxRssMiB(),
    unpacked: 0,
  };
}

const maxRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** One line for the log and the summary. */
export function prefetchLine(p: PrefetchReport): string {
  if (p.status === 'skipped') return `prefetch skipped: ${p.reason}`;
  const mib = (p.bytes / (1 << 20)).toFixed(1);
  const parts = [
    `prefetch: ${p.fetched} of ${p.planned} files (${mib} MiB) in ${(p.ms / 1000).toFixed(2)} s, ${p.concurrency} at a time`,
    `${p.absorbed} failures absorbed`,
  ];
  if (p.rejected) parts.push(`${p.rejected} answers rejected by the h1: check`);
  if (p.cached) parts.push(`${p.cached} already cached`);
  if (p.unpacked) parts.push(`${p.unpacked} modules unpacked meanwhile`);
  if (p.missed) parts.push(`${p.missed} left to go mod download`);
  if (p.private.length) parts.push(`${p.private.length} private modules not prefetched`);
  return parts.join(', ') + (p.reason ? `; ${p.reason}` : '');
}
