/**
 * GitHub jobs of one runner, one after another, sharing the lab's cache
 * service: the guard's main step, what the job itself runs, the guard's post
 * step. The next job sees the same paths as the first (workspace, GOMODCACHE,
 * GOCACHE, RUNNER_TEMP), emptied, as on a hosted runner.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { CacheServer, CacheServerOptions } from './cache-server.js';
import { labCacheServer, type GuardCase } from './guard-case.js';
import type { ActionResult } from './runner.js';

export interface CiJob<S> {
  main: Awaited<ReturnType<GuardCase['run']>>;
  /** What the job ran between the guard's steps (undefined when it runs nothing). */
  step: S;
  post: ActionResult;
}

export interface CiJobs<S> {
  /** The cache service of the running test: the first job starts it (or `startCacheServer`, to fault it first). */
  cacheServer(): CacheServer;
  startCacheServer(opts?: CacheServerOptions): Promise<CacheServer>;
  /** The module cache entries saved so far (the state and the build cache have entries of their own). */
  moduleEntries(): ReturnType<CacheServer['entries']>;
  /** One job: main step with `inputs` (over the suite's), the job's own step, post step. */
  job(c: GuardCase, inputs: Record<string, string>, env?: Record<string, string>): Promise<CiJob<S>>;
  /** The next job on a hosted runner: the same paths, emptied. */
  nextJob(c: GuardCase): void;
}

/**
 * The jobs of a suite: `inputs` for every main step, `step` what each job runs between the guard's steps.
 * Call at the top of a test file: each test gets its own cache service (closed with the lab's servers).
 */
export function ciJobs<S = undefined>(opts: { inputs?: Record<string, string>; step?: (c: GuardCase) => Promise<S> } = {}): CiJobs<S> {
  let server: CacheServer | undefined;
  afterEach(() => {
    server = undefined; // closed with the lab's servers
  });
  const jobs: CiJobs<S> = {
    cacheServer: () => {
      if (!server) throw new Error('no cache service yet: run a job (or startCacheServer) first');
      return server;
    },
    startCacheServer: async (o) => (server = await labCacheServer(o)),
    moduleEntries: () =>
      jobs
        .cacheServer()
        .entries()
        .filter((e) => e.key.startsWith('go-proxy-guard-linux-')),
    async job(c, inputs, env = {}) {
      server ??= await labCacheServer();
      const all = { ...server.env, ...env };
      const main = await c.run({ ...opts.inputs, ...inputs }, { env: all });
      const step = (await opts.step?.(c)) as S;
      const post = await c.post(main, { env: all });
      return { main, step, post };
    },
    nextJob(c) {
      for (const d of [c.env.GOMODCACHE!, c.env.GOCACHE!]) {
        // Extracted modules are read-only.
        if (existsSync(d)) execFileSync('chmod', ['-R', 'u+w', d]);
        rmSync(d, { recursive: true, force: true });
        mkdirSync(d, { recursive: true });
      }
      const temp = jobs.cacheServer().env.RUNNER_TEMP!;
      for (const e of readdirSync(temp)) rmSync(path.join(temp, e), { recursive: true, force: true });
    },
  };
  return jobs;
}
