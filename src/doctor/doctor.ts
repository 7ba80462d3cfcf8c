import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Config } from '../config/config.js';
import { moduleDownloadDir } from '../cache/restore.js';
import { loadCredentials, NO_CREDENTIALS } from '../goproxy/goauth.js';
import { goRunEnv } from '../go/run-env.js';
import { ownProxies } from '../goproxy/candidates.js';
import { parseGoproxy } from '../goproxy/chain.js';
import { readGoEnv, sumdbName } from '../go/go-env.js';
import { DEFAULT_SCORE_MODEL } from '../model/score.js';
import { probeProxy } from '../probe/probe-proxy.js';
import { discoverProject, requireDirectory } from '../project/discover.js';
import { vendorUsable } from '../warm/download.js';
import { goTarget } from '../project/go-target.js';
import {
  chainCheck,
  goCheck,
  moduleCacheCheck,
  privateCheck,
  projectCheck,
  sumdbCheck,
  vendorCheck,
  type DoctorCheck,
  type ModuleCacheFacts,
  type SumdbAnswer,
} from './checks.js';

export const DOCTOR_SCHEMA = 'go-proxy-guard/doctor@1';

export interface DoctorReport {
  schema: typeof DOCTOR_SCHEMA;
  root: string;
  checks: DoctorCheck[];
}

/** Counting a huge module cache must not hold the doctor up for minutes. */
const CACHE_COUNT_LIMIT_MS = 15_000;

/**
 * Gather the facts about the local Go setup (go env, the project, what each
 * proxy says about the checksum database, vendor/, the module cache) and
 * judge them. Downloads nothing and changes no file.
 */
export async function runDoctor(opts: { config: Config; env: NodeJS.ProcessEnv; workingDirectoryInput: string }): Promise<DoctorReport> {
  const { config, env } = opts;
  await requireDirectory(config.workingDirectory, opts.workingDirectoryInput);
  const goEnv = await readGoEnv(config.workingDirectory, env);
  const project = await discoverProject(config.workingDirectory, {
    gonoproxy: goEnv.env.GONOPROXY,
    gowork: goEnv.env.GOWORK,
    requireGoMod: opts.workingDirectoryInput !== '.',
    inputValue: opts.workingDirectoryInput,
  });
  const sumdb = sumdbName(goEnv.env.GOSUMDB);
  const userChain = parseGoproxy(goEnv.env.GOPROXY);
  // The proxies the go command itself asks (not the engine's candidates, which add proxy.golang.org): the doctor checks this setup.
  const proxies = config.proxies ?? ownProxies(userChain);
  const runner = { env: goRunEnv(env), timeoutMs: config.warm.timeoutMs };
  const [answers, vendor, cache] = await Promise.all([
    sumdb
      ? askSumdb(proxies, sumdb, config.probe.timeoutMs, { env, goauth: goEnv.env.GOAUTH, cwd: config.workingDirectory })
      : Promise.resolve([]),
    project.vendorDir && !goEnv.problem ? vendorUsable(goTarget(project), runner, 12) : Promise.resolve(undefined),
    moduleCacheFacts(goEnv.env.GOMODCACHE),
  ]);
  return {
    schema: DOCTOR_SCHEMA,
    root: project.root,
    checks: [
      goCheck(goEnv.env, goEnv.problem),
      projectCheck(project),
      chainCheck(userChain),
      privateCheck(goEnv.env, project),
      sumdbCheck(goEnv.env.GOSUMDB, sumdb, answers),
      vendorCheck(project, vendor),
      moduleCacheCheck(cache),
    ],
  };
}

/** GET <proxy>/sumdb/<name>/supported on every proxy at once, each under the probe deadline. */
async function askSumdb(
  proxies: string[],
  name: string,
  deadlineMs: number,
  auth: { env: NodeJS.ProcessEnv; goauth: string; cwd: string },
): Promise<SumdbAnswer[]> {
  const credentials = await loadCredentials(auth.goauth, auth.cwd, { env: auth.env }).catch(() => NO_CREDENTIALS);
  const request = { kind: 'sumdb' as const, path: `sumdb/${name}/supported`, notFoundIsAnswer: true };
  return Promise.all(
    proxies.map(async (url) => {
      const r = await probeProxy(url, [request], {
        deadlineMs,
        credentials,
        concurrency: 1,
        latencyMaxMs: DEFAULT_SCORE_MODEL.latencyMaxMs,
      });
      const o = r.outcomes[0];
      return { url, status: o?.status, failure: o?.ok ? undefined : o?.failure };
    }),
  );
}

async function moduleCacheFacts(dir: string): Promise<ModuleCacheFacts> {
  const facts: ModuleCacheFacts = { dir, exists: false, bytes: 0, zips: 0, partial: false };
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) return facts;
  facts.exists = true;
  const stopAt = Date.now() + CACHE_COUNT_LIMIT_MS;
  const downloads = moduleDownloadDir(dir) + path.sep;
  const walk = async (d: string): Promise<void> => {
    if (Date.now() > stopAt) {
      facts.partial = true;
      return;
    }
    const entries = await fs.readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        facts.bytes += (await fs.lstat(p).catch(() => undefined))?.size ?? 0;
        if (e.name.endsWith('.zip') && p.startsWith(downloads)) facts.zips++;
      }
    }
  };
  await walk(dir);
  return facts;
}
