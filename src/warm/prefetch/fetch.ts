import type { PrefetchFigures, PrefetchUpstreamFailure } from '../../model/run-report.js';
import { FAILURE_CODES, gravity, type FailureCode } from '../../diagnosis/failure.js';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Credentials } from '../../goproxy/goauth.js';
import type { HeldBody } from '../../upstream/body.js';
import { forward } from '../../upstream/forward.js';
import { servePolicy } from '../../upstream/policy.js';
import { parseServePath } from '../../upstream/request-path.js';
import { Upstream, type UpstreamSpec } from '../../upstream/upstream.js';
import type { PrefetchFile } from './plan.js';

/** Text answers this small stay in memory while checked; zips and anything larger go straight to disk. */
const PREFETCH_MEMORY_LIMIT = 64 * 1024;
/** Failures kept for the report, the first ones. */
const FAILURE_LINES = 20;

export interface PrefetchRun {
  files: PrefetchFile[];
  upstreams: UpstreamSpec[];
  credentials: Credentials;
  /** GOMODCACHE/cache/download: files land there in the go command's layout. */
  downloadDir: string;
  concurrency: number;
  retries: number;
  /** No new file is started after this long; the go command fetches what is left. */
  deadlineMs: number;
  env: NodeJS.ProcessEnv;
  /** Told of every file once it is in place. */
  onPlaced?: (file: PrefetchFile) => void;
}

/**
 * Fetch `files` through the ranked upstreams with the local proxy's engine
 * (forward.ts: deadlines, retries, hedging, answers checked), `concurrency`
 * at a time, and put each into GOMODCACHE/cache/download where the go
 * command looks first. Each request carries go.sum's h1: for its zip or
 * go.mod, so an answer is hashed within the request's budget, while it is
 * still an attempt: an altered one is an upstream's failure and the next
 * upstream is asked. An .info must name exactly the version asked for.
 * A zip whose hash matched go.sum is placed with its `.ziphash`, as the go
 * command places one after the same check, so go does not inflate it all
 * again (about half of `go mod download`'s time after a prefetch); go still
 * compares that `.ziphash` with go.sum before it uses the zip, and checks
 * go.mod files from the cache on every read.
 * A file that cannot be fetched is simply left out: `go mod download` then
 * fetches it, and fails on it, exactly as without the prefetch. Nothing
 * outlives the deadline: requests still running then are dropped.
 */
export async function prefetchFiles(run: PrefetchRun): Promise<PrefetchFigures & { upstreamFailures: PrefetchUpstreamFailure[] }> {
  const started = performance.now();
  const staging = path.join(path.dirname(run.downloadDir), `go-proxy-guard-prefetch-${randomUUID().slice(0, 8)}`);
  const policy = { ...servePolicy(run.retries, staging), memoryLimit: PREFETCH_MEMORY_LIMIT };
  const target = { downloadDir: run.downloadDir, staging, dirs: new Set<string>() };
  const upstreams = run.upstreams.map((spec) => new Upstream(spec, run.credentials, run.env));
  const figures: PrefetchFigures = {
    planned: run.files.length,
    fetched: 0,
    bytes: 0,
    ms: 0,
    concurrency: run.concurrency,
    absorbed: 0,
    rejected: 0,
    missed: 0,
    failures: [],
    requests: 0,
  };
  const missed = (file: PrefetchFile, why: string) => {
    figures.missed++;
    if (figures.failures.length < FAILURE_LINES) figures.failures.push(`${file.module}@${file.version}.${file.kind}: ${why}`);
  };
  const deadline = new AbortController();
  // One listener per request in flight: without this Node warns of a leak past ten, in the job's log.
  setMaxListeners(run.concurrency + 1, deadline.signal);
  const timer = setTimeout(() => deadline.abort(), run.deadlineMs);

  const fetchOne = async (file: PrefetchFile): Promise<void> => {
    const parsed = parseServePath(`/${file.path}`);
    if ('refused' in parsed) return missed(file, parsed.refused);
    const request = file.h1 ? { ...parsed.request, sum: file.h1 } : parsed.request;
    const r = await forward(request, upstreams, policy, undefined, deadline.signal);
    if (r.kind === 'failed') return missed(file, r.failures.join('; '));
    if (r.kind === 'gone') return missed(file, 'not finished before the prefetch deadline (download-timeout)');
    if (r.kind === 'not-found') {
      await r.body.dispose();
      return missed(file, `not found (HTTP ${r.status}) on every upstream`);
    }
    await place(file, r.body, target);
    run.onPlaced?.(file);
    figures.fetched++;
    figures.bytes += r.body.size;
  };

  const queue = [...run.files];
  const worker = async () => {
    while (queue.length > 0 && !deadline.signal.aborted) {
      const file = queue.shift() as PrefetchFile;
      // A local failure (a full disk) costs this file, never the job: go mod download fetches it.
      await fetchOne(file).catch((err: Error) => missed(file, `could not be stored (${err.message.slice(0, 200)})`));
    }
  };
  try {
    await fs.mkdir(staging, { recursive: true });
    await Promise.all(Array.from({ length: Math.max(1, Math.min(run.concurrency, run.files.length)) }, worker));
  } finally {
    clearTimeout(timer);
    for (const u of upstreams) u.close();
    await fs.rm(staging, { recursive: true, force: true });
  }
  for (const file of queue) missed(file, 'not started before the prefetch deadline');
  figures.absorbed = upstreams.reduce((n, u) => n + u.stats.absorbed, 0);
  figures.rejected = upstreams.reduce((n, u) => n + (u.stats.failureKinds['checksum-mismatch'] ?? 0), 0);
  figures.requests = upstreams.reduce((n, u) => n + u.stats.requests, 0);
  figures.ms = Math.round(performance.now() - started);
  const upstreamFailures = upstreams.flatMap((u, i): PrefetchUpstreamFailure[] => {
    const code = gravest(u.stats.failureKinds);
    if (!code) return [];
    const example = u.firstFailures.get(code);
    return [{ url: run.upstreams[i]!.url, code, failed: u.stats.failures, asked: u.stats.requests, ...(example ? { example } : {}) }];
  });
  return { ...figures, upstreamFailures };
}

/** The failure an upstream is reported with: the gravest kind it showed (an altered file outweighs many timeouts), then the most frequent. */
function gravest(kinds: Record<string, number>): FailureCode | undefined {
  const weight = (code: string) => gravity(FAILURE_CODES[code as FailureCode] ?? 'transient');
  return Object.entries(kinds).sort((a, b) => weight(b[0]) - weight(a[0]) || b[1] - a[1])[0]?.[0] as FailureCode | undefined;
}

/**
 * Move a checked answer into the module cache atomically (a rename within
 * GOMODCACHE), so the go command never sees half a file. The body is
 * disposed either way.
 */
async function place(
  file: PrefetchFile,
  body: HeldBody,
  target: { downloadDir: string; staging: string; dirs: Set<string> },
): Promise<void> {
  let temp = body.file;
  try {
    if (temp) await fs.chmod(temp, 0o644);
    else {
      temp = path.join(target.staging, `${randomUUID()}.part`);
      await fs.writeFile(temp, body.memory ?? Buffer.alloc(0), { mode: 0o644 });
    }
    const dest = path.join(target.downloadDir, file.path);
    const dir = path.dirname(dest);
    if (!target.dirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      target.dirs.add(dir);
    }
    await fs.rename(temp, dest);
    temp = undefined;
    // Only a zip the answer check hashed against go.sum (its request carried the h1:) gets one.
    if (file.kind === 'zip' && file.h1) await writeBeside(dest.replace(/\.zip$/, '.ziphash'), file.h1, target.staging);
  } finally {
    if (temp && temp !== body.file) await fs.rm(temp, { force: true });
    if (temp || !body.file) await body.dispose();
  }
}

/** A small file put in place atomically (written in the staging directory, renamed): go never reads half of one. */
async function writeBeside(dest: string, text: string, staging: string): Promise<void> {
  const temp = path.join(staging, `${randomUUID()}.part`);
  await fs.writeFile(temp, text, { mode: 0o644 });
  await fs.rename(temp, dest);
}
