import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { failure } from '../diagnosis/failure.js';
import type { GoDiagnosis } from '../diagnosis/go-output.js';
import { oneLine } from '../diagnosis/untrusted-text.js';
import { runCommand } from '../go/command.js';
import { escapeModulePath, escapeVersion } from '../goproxy/module-path.js';
import { NO_MODULE } from '../goproxy/private.js';
import type { GoRunner } from '../go/command.js';
import { downloadAll, type DownloadAttempt } from './download.js';
import type { GoTarget } from '../project/go-target.js';
import { offline, warmingChain, withGoproxy, type Chain } from '../goproxy/chain.js';
import { notAToolchain } from '../project/toolchain.js';
import { climbLadder, type LadderIo, type LadderPlan, type LadderResult } from './ladder.js';

/** The toolchain the go command will switch to in the project, and the module it downloads for it. */
export interface ToolchainWant {
  /** go1.27.3 */
  name: string;
  module: { path: string; version: string };
  /** GOTOOLCHAIN=path or <name>+path: the go command only looks on PATH, never downloads. */
  pathOnly: boolean;
}

/** How the toolchain came to be usable offline. */
export type ToolchainSource = 'path' | 'module-cache' | 'ci-cache' | 'proxy' | 'direct' | 'failed';

export interface ToolchainWarm {
  source: ToolchainSource;
  /** The ladder walked for the module (absent when PATH had the toolchain, or PATH is the only place allowed). */
  ladder?: LadderResult;
  /** The proxy (real URL, as handed to go) that gave the zip, for source `proxy`. */
  proxy?: string;
  /** What `go version` printed in the project with GOPROXY=off once the toolchain was there. */
  switched?: string;
  /** The toolchain's directory in the module cache, once extracted. */
  dir?: string;
  /** The executable the go command runs instead, for source `path`. */
  onPath?: string;
  /** Why a later job restoring this module cache would still need the checksum database, when it would. */
  note?: string;
  diagnosis?: GoDiagnosis;
  ms: number;
}

export interface ToolchainWarmPlan {
  want: ToolchainWant;
  /** Where later go commands run (the project): the switch is checked there. */
  projectDir: string;
  gomodcache: string;
  /** The zip came with this run's CI cache restore (else, when present, it was in GOMODCACHE already). */
  restored: boolean;
  /** The ranked proxies and the retry policy, as for the module ladder. */
  ladder: Pick<LadderPlan, 'proxies' | 'refresh' | 'probeDone' | 'probeWaitMs' | 'retries' | 'backoffMs' | 'directAllowed'>;
}

/** GOMODCACHE/cache/download/golang.org/toolchain/@v/<version>: the files the module cache keeps for it. */
export function toolchainCacheBase(gomodcache: string, module: ToolchainWant['module']): string {
  return path.join(gomodcache, 'cache', 'download', escapeModulePath(module.path), '@v', escapeVersion(module.version));
}

const exists = (p: string) =>
  fs.stat(p).then(
    () => true,
    () => false,
  );

/**
 * Make the toolchain switch work without the network: fetch
 * golang.org/toolchain@<version> down the ladder (ranked proxies, retries of
 * transient failures, direct, the module cache first when it holds the zip),
 * with the real go command so the zip is checked against the checksum
 * database and the lookups and tiles that prove it are cached, then run
 * `go version` in the project with GOPROXY=off: that is the switch every
 * later go command makes.
 */
export async function warmToolchain(plan: ToolchainWarmPlan, runner: GoRunner, log: (line: string) => void): Promise<ToolchainWarm> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const { want } = plan;
  const onPath = await findOnPath(want.name, runner.env.PATH ?? '');
  if (onPath) return { source: 'path', onPath, ms: ms() };
  if (want.pathOnly)
    return {
      source: 'failed',
      diagnosis: {
        ...failure('not-found', `${want.name} is not on PATH, and GOTOOLCHAIN only allows PATH (the go command never downloads it)`),
        goMessage: '',
      },
      ms: ms(),
    };
  const neutral = await fs.mkdtemp(path.join(os.tmpdir(), 'go-proxy-guard-toolchain-'));
  try {
    const base = toolchainCacheBase(plan.gomodcache, want.module);
    const cached = (await exists(`${base}.zip`)) && (await exists(`${base}.ziphash`));
    const io = toolchainLadderIo(want, neutral, runner, log);
    const ladder = await climbLadder(
      { ...plan.ladder, cacheRestored: cached, cacheBeforeDirect: cached, cacheFirst: cached, vendorFallback: false, hasVendor: false },
      io,
    );
    // No vendor/ for a toolchain: the rung says nothing here.
    ladder.rungs = ladder.rungs.filter((r) => r.step !== 'vendor');
    if (ladder.step === 'failed') return { source: 'failed', ladder, diagnosis: framed(want, ladder), ms: ms() };
    // Through the chain that delivered, or (from the cache) through the proxies for any tile missing.
    const proxies = plan.ladder.refresh?.() ?? plan.ladder.proxies;
    const chain = io.chain ?? (proxies.length > 0 ? warmingChain(proxies) : offline());
    const unproven = await proveForAFreshRunner(want, plan, runner, chain);
    if (unproven) log(`toolchain ${want.name}: ${unproven}`);
    const check = await switchCheck(want, plan.projectDir, runner);
    const source = ladder.step === 'cache' ? (plan.restored ? 'ci-cache' : 'module-cache') : ladder.step === 'direct' ? 'direct' : 'proxy';
    const found = { ladder, dir: io.last?.modules[0]?.Dir, ...(source === 'proxy' && io.last?.zipFrom ? { proxy: io.last.zipFrom } : {}) };
    if ('problem' in check) return { ...found, source: 'failed', diagnosis: check.problem, ms: ms() };
    return { ...found, source, switched: check.switched, ms: ms(), ...(unproven ? { note: unproven } : {}) };
  } finally {
    await fs.rm(neutral, { recursive: true, force: true });
  }
}

/** The ladder's rungs for one module, downloaded from a directory outside any module (no go.mod to switch on). */
function toolchainLadderIo(want: ToolchainWant, neutral: string, runner: GoRunner, log: (line: string) => void) {
  const target: GoTarget = { dir: neutral, protectedFiles: [], packages: [], modules: [`${want.module.path}@${want.module.version}`] };
  // GOTOOLCHAIN=local: this go command fetches the toolchain, it must not switch to it. Only -modcacherw of GOFLAGS applies here.
  const flags = (runner.env.GOFLAGS ?? '').split(/\s+/).filter((f) => f === '-modcacherw');
  const env = { ...runner.env, GOTOOLCHAIN: 'local', GOWORK: 'off', GOFLAGS: flags.join(' ') };
  const tc: GoRunner = { ...runner, env };
  /** `chain`: the last chain that went to the network (the cache rung sends none). */
  const io: LadderIo & { last?: DownloadAttempt; chain?: Chain } = {
    download: async (chain) => ((io.chain = chain), (io.last = await downloadAll(target, chain, tc))),
    offline: async () => {
      // The toolchain in the module cache, and the checksum-database lookups that prove it: nothing from the network.
      io.chain = undefined;
      const a = (io.last = await downloadAll(target, offline(), { ...tc, env: { ...env, GONOPROXY: NO_MODULE } }));
      return { ...a, verified: a.ok, verifyOutput: '' };
    },
    vendor: async () => ({ ok: false, output: 'no vendor/ for a toolchain' }),
    sleep: (wait) => new Promise<void>((r) => setTimeout(r, wait)),
    log: (m) => log(`toolchain ${want.name}: ${m}`),
  };
  return io;
}

/**
 * The go command proves a cached lookup in the newest tree it has seen
 * (GOPATH/pkg/sumdb/<name>/latest) and caches the tiles of that tree. A later
 * job that restores the module cache has seen none, and proves the lookup in
 * the tree the lookup itself names (a proxy may serve a lookup cached with an
 * older tree): switch once as that job will, with an empty GOPATH, through the
 * chain that delivered the toolchain, so the tiles it needs are cached too.
 * Returns why that failed, when it did.
 */
async function proveForAFreshRunner(
  want: ToolchainWant,
  plan: ToolchainWarmPlan,
  runner: GoRunner,
  chain: Chain,
): Promise<string | undefined> {
  const gopath = await fs.mkdtemp(path.join(os.tmpdir(), 'go-proxy-guard-gopath-'));
  try {
    const env = { ...withGoproxy(runner.env, chain), GOPATH: gopath, GOMODCACHE: plan.gomodcache };
    const r = await runCommand('go', ['version'], { cwd: plan.projectDir, env, timeoutMs: runner.timeoutMs });
    if (r.code === 0 && !r.timedOut) return undefined;
    const said = oneLine(r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`);
    return `a later job restoring this module cache would need the checksum database to switch to ${want.name} (${said})`;
  } finally {
    await fs.rm(gopath, { recursive: true, force: true });
  }
}

/** The switch later steps make, made now with GOPROXY=off in the project: it must name the wanted toolchain. */
async function switchCheck(
  want: ToolchainWant,
  projectDir: string,
  runner: GoRunner,
): Promise<{ switched: string } | { problem: GoDiagnosis }> {
  const r = await runCommand('go', ['version'], { cwd: projectDir, env: withGoproxy(runner.env, offline()), timeoutMs: runner.timeoutMs });
  const out = oneLine(r.stdout.trim());
  if (r.code === 0 && !r.timedOut && out.startsWith(`go version ${want.name} `)) return { switched: out };
  const said = oneLine((r.stderr.trim() || out).split('\n').pop() ?? '');
  return {
    problem: {
      ...failure('other', `${want.name} was downloaded, but go version in the project with GOPROXY=off says: ${said || `exit ${r.code}`}`),
      goMessage: said,
    },
  };
}

/**
 * A toolchain every proxy answered 404/410 for is a fact about the project,
 * not a network flake: said plainly (and fatal, so it is never retried into
 * silence), whatever direct then ran into.
 */
function framed(want: ToolchainWant, ladder: LadderResult): GoDiagnosis {
  const d = ladder.diagnosis ?? { ...failure('other', `toolchain ${want.name} could not be downloaded`), goMessage: '' };
  const asked = ladder.rungs.filter((r) => (r.step === 'proxy' || r.step === 'retry') && r.outcome === 'failed');
  if (asked.length === 0 || !asked.every((r) => r.diagnosis?.class === 'proxy-miss')) return d;
  const id = `${want.module.path}@${want.module.version}`;
  const direct = ladder.rungs.find((r) => r.step === 'direct' && r.outcome === 'failed');
  const lang = notAToolchain(want.name);
  const message = lang
    ? `invalid toolchain: ${lang}`
    : `toolchain ${want.name} is on none of the proxies (HTTP 404/410 for ${id}): not a released Go version for this platform, or the proxies do not serve golang.org/toolchain${direct ? `; direct failed too (${direct.reason})` : ''}`;
  return { ...failure('unknown-revision', message), module: id, goMessage: asked[0]?.diagnosis?.goMessage ?? d.goMessage };
}

/** Where the go command would find `name` on PATH (it looks there before downloading). */
async function findOnPath(name: string, pathList: string): Promise<string | undefined> {
  for (const dir of pathList.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, process.platform === 'win32' ? `${name}.exe` : name);
    const ok = await fs.access(file, fs.constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return file;
  }
  return undefined;
}
