/**
 * npm run bench:real: the guard against plain go on real projects, through
 * the machine's real module proxy (GOPROXY as `go env` gives it: never named
 * here). Not a CI gate: a remote outage must never block landing.
 *
 * For each project of ../shared/real-projects (go.mod + go.sum, and a main.go
 * of `package main`), from an empty module cache, median of BENCH_REPS (3):
 * - go: `go mod download`, what a workflow runs; also `go mod download all`,
 *   the whole build list, which is what the guard fills;
 * - guard: the action as it ships (probe + prefetch + warm), cache and serve off;
 * then both again on the warm cache. Bytes and files in the module cache,
 * and the modules the proxy does not serve, by name.
 * For a project whose go line is newer than this go (hugo), the toolchain
 * switch is timed too: go's own (`go version` with GOTOOLCHAIN=auto), and the
 * guard's toolchain step (warmToolchainOnly: the ladder, no probe) followed by
 * a switch with GOPROXY=off.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseJsonStream, runGo } from '../__tests__/lab/go.js';
import { makeLabDir, repoRoot } from '../__tests__/lab/paths.js';
import { runAction } from '../__tests__/lab/runner.js';
import { warmToolchainOnly } from '../src/engine/toolchain-only.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const PROJECTS = (process.env.BENCH_PROJECTS ?? 'cli,prometheus,hugo').split(',');
const REAL = path.resolve(repoRoot, '..', 'shared', 'real-projects');
const TIMEOUT_MS = 900_000;

const goEnvOf = (name: string) => execFileSync('go', ['env', name], { encoding: 'utf8' }).trim();
const MACHINE = { GOPROXY: goEnvOf('GOPROXY'), GOSUMDB: goEnvOf('GOSUMDB'), GOVERSION: goEnvOf('GOVERSION') };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
const mib = (b: number) => `${(b / 1048576).toFixed(0)} MiB`;

/** Remove a project's lab, retrying a while should a go process still be writing there (ENOTEMPTY). */
const removeLab = (dir: string) => rmSync(path.dirname(dir), { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });

/** The go line of a go.mod, e.g. "1.27.0". */
const goLine = (gomod: string) => /^go\s+(\S+)/m.exec(gomod)?.[1] ?? '';
const newerThanLocal = (v: string) => {
  const [a, b] = [v, MACHINE.GOVERSION.replace(/^go/, '')].map((x) => x.split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((a?.[i] ?? 0) !== (b?.[i] ?? 0)) return (a?.[i] ?? 0) > (b?.[i] ?? 0);
  return false;
};

/** A go that is already the project's go: found once (outside any measured cache), so module times leave the switch out. */
function goFor(gomod: string): { bin: string; toolchain?: string } {
  const v = goLine(gomod);
  if (!newerThanLocal(v)) return { bin: path.dirname(execFileSync('which', ['go'], { encoding: 'utf8' }).trim()) };
  const toolchain = `go${/^\d+\.\d+$/.test(v) ? `${v}.0` : v}`;
  const root = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: toolchain } }).trim();
  return { bin: path.join(root, 'bin'), toolchain };
}

interface Lab {
  dir: string;
  env: Record<string, string>;
  modcache: string;
}

/** A fresh directory with the project's go.mod/go.sum and an empty module cache. */
function freshLab(project: string, tag: string, goBin: string, gotoolchain = 'local'): Lab {
  const lab = makeLabDir(`bench-real-${project}-${tag}`);
  const dir = path.join(lab, 'project');
  mkdirSync(dir, { recursive: true });
  for (const f of ['go.mod', 'go.sum']) copyFileSync(path.join(REAL, project, f), path.join(dir, f));
  writeFileSync(path.join(dir, 'main.go'), 'package main\n');
  const modcache = path.join(lab, 'modcache');
  const keep = (k: string) => (process.env[k] !== undefined ? { [k]: process.env[k] as string } : {});
  const env: Record<string, string> = {
    PATH: `${goBin}:${process.env.PATH ?? ''}`,
    HOME: path.join(lab, 'home'),
    GOPATH: path.join(lab, 'gopath'),
    GOMODCACHE: modcache,
    GOCACHE: path.join(lab, 'gocache'),
    GOENV: 'off',
    GOFLAGS: '-modcacherw',
    GOTOOLCHAIN: gotoolchain,
    GOPROXY: MACHINE.GOPROXY,
    GOSUMDB: MACHINE.GOSUMDB,
    TMPDIR: path.join(lab, 'tmp'),
    ...keep('HTTPS_PROXY'),
    ...keep('HTTP_PROXY'),
    ...keep('NO_PROXY'),
    ...keep('SSL_CERT_FILE'),
    ...keep('NODE_EXTRA_CA_CERTS'),
  };
  for (const d of [env.HOME, env.TMPDIR, modcache] as string[]) mkdirSync(d, { recursive: true });
  // go's telemetry off in the lab's HOME: its child process outlives a switched go and writes there.
  mkdirSync(path.join(env.HOME as string, '.config', 'go', 'telemetry'), { recursive: true });
  writeFileSync(path.join(env.HOME as string, '.config', 'go', 'telemetry', 'mode'), 'off');
  return { dir, env, modcache };
}

/** Files and bytes under GOMODCACHE/cache/download: what was moved into the cache. */
function moved(modcache: string): { files: number; bytes: number } {
  const out = { files: 0, bytes: 0 };
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(zip|mod|info)$/.test(e.name)) {
        out.files++;
        out.bytes += statSync(p).size;
      }
    }
  };
  const root = path.join(modcache, 'cache', 'download');
  if (existsSync(root)) walk(root);
  return out;
}

/** go.sum's module versions with a zip line: what a complete cache holds. */
function zipsOf(project: string): string[] {
  const sum = readFileSync(path.join(REAL, project, 'go.sum'), 'utf8');
  return [...new Set(sum.split('\n').flatMap((l) => /^(\S+) (v[^\s/]+) h1:/.exec(l)?.slice(1, 3).join('@') ?? []))];
}

const caseEncoded = (p: string) => p.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
const missingZips = (modcache: string, zips: string[]) =>
  zips.filter((mv) => {
    const [m, v] = mv.split('@') as [string, string];
    return !existsSync(path.join(modcache, 'cache', 'download', caseEncoded(m), '@v', `${caseEncoded(v)}.zip`));
  });

interface Run {
  ms: number;
  warmMs: number;
  files: number;
  bytes: number;
  missing: string[];
  note?: string;
}

async function goRun(project: string, goBin: string, args: string[], zips: string[]): Promise<Run> {
  const lab = freshLab(project, `go-${args.join('-')}`, goBin);
  try {
    const started = performance.now();
    const r = await runGo(['mod', ...args], { cwd: lab.dir, env: lab.env, timeoutMs: TIMEOUT_MS });
    const ms = performance.now() - started;
    const errors = parseJsonStream<{ Path: string; Version: string; Error?: string }>(r.stdout).filter((m) => m.Error);
    const again = performance.now();
    await runGo(['mod', ...args], { cwd: lab.dir, env: lab.env, timeoutMs: TIMEOUT_MS });
    const warmMs = performance.now() - again;
    const note = errors.length ? `${errors.length} errors, e.g. ${errors[0]?.Path}@${errors[0]?.Version}: ${errors[0]?.Error}` : undefined;
    return { ms, warmMs, ...moved(lab.modcache), missing: missingZips(lab.modcache, zips), note };
  } finally {
    removeLab(lab.dir);
  }
}

async function guardRun(project: string, goBin: string, zips: string[]): Promise<Run> {
  const lab = freshLab(project, 'guard', goBin);
  const inputs = { proxies: proxiesOfMachine().join('\n'), cache: 'false', serve: 'false', 'build-cache': 'false' };
  try {
    const r = await runAction({ cwd: lab.dir, inputs, env: lab.env, timeoutMs: TIMEOUT_MS });
    if (r.code !== 0) throw new Error(`the guard failed on ${project}: ${r.stdout.slice(-3000)}`);
    const warm = await runAction({ cwd: lab.dir, inputs, env: lab.env, timeoutMs: TIMEOUT_MS });
    const report = JSON.parse(readFileSync(r.outputs.report ?? '', 'utf8')) as { warm?: { prefetch?: { fetched: number; ms: number } } };
    const pf = report.warm?.prefetch;
    return {
      ms: r.durationMs,
      warmMs: warm.durationMs,
      ...moved(lab.modcache),
      missing: missingZips(lab.modcache, zips),
      note: pf ? `prefetch ${pf.fetched} files in ${sec(pf.ms)}; rung ${r.outputs['ladder-step']}` : `rung ${r.outputs['ladder-step']}`,
    };
  } finally {
    removeLab(lab.dir);
  }
}

/** The machine's GOPROXY entries that are proxies: the candidates the guard ranks here. */
function proxiesOfMachine(): string[] {
  return MACHINE.GOPROXY.split(/[,|]/).filter((e) => /^https?:\/\//.test(e));
}

async function toolchainRuns(project: string, toolchain: string): Promise<{ go: number; guard: number; guardNote: string }> {
  const localBin = path.dirname(execFileSync('which', ['go'], { encoding: 'utf8' }).trim());
  const go: number[] = [];
  const guard: number[] = [];
  let guardNote = '';
  for (let i = 0; i < REPS; i++) {
    const plain = freshLab(project, 'switch-go', localBin, 'auto');
    try {
      const started = performance.now();
      const r = await runGo(['version'], { cwd: plain.dir, env: plain.env, timeoutMs: TIMEOUT_MS });
      if (!r.stdout.includes(toolchain)) throw new Error(`go did not switch to ${toolchain}: ${r.stderr}`);
      go.push(performance.now() - started);
    } finally {
      removeLab(plain.dir);
    }
    const guarded = freshLab(project, 'switch-guard', localBin, 'auto');
    try {
      const started = performance.now();
      const r = await warmToolchainOnly({ dir: guarded.dir, proxies: proxiesOfMachine(), env: guarded.env });
      const v = await runGo(['version'], { cwd: guarded.dir, env: { ...guarded.env, GOPROXY: 'off' }, timeoutMs: TIMEOUT_MS });
      guard.push(performance.now() - started);
      if (!v.stdout.includes(toolchain)) throw new Error(`no offline switch to ${toolchain} after the guard: ${v.stderr}`);
      guardNote = `the guard's toolchain step (${r.warm?.source ?? 'nothing to do'}, ${sec(r.warm?.ms ?? 0)}), then an offline switch`;
    } finally {
      removeLab(guarded.dir);
    }
  }
  return { go: median(go), guard: median(guard), guardNote };
}

async function main(): Promise<void> {
  console.log(
    `go-proxy-guard bench:real: ${MACHINE.GOVERSION}, the machine's GOPROXY (${proxiesOfMachine().length} proxies), median of ${REPS}`,
  );
  const header = `${'project'.padEnd(11)} ${'go'.padStart(8)} ${'go all'.padStart(8)} ${'guard'.padStart(8)} ${'vs go'.padStart(7)} ${'vs all'.padStart(7)} ${'warm go'.padStart(8)} ${'warm grd'.padStart(8)} ${'files go/all/guard'.padStart(20)} ${'bytes go/all/guard'.padStart(26)}`;
  const rows = [header];
  const verdicts: string[] = [];
  const notes: string[] = [];
  for (const project of PROJECTS) {
    const gomod = readFileSync(path.join(REAL, project, 'go.mod'), 'utf8');
    const { bin, toolchain } = goFor(gomod);
    const zips = zipsOf(project);
    const runs = { go: [] as Run[], all: [] as Run[], guard: [] as Run[] };
    for (let i = 0; i < REPS; i++) {
      runs.go.push(await goRun(project, bin, ['download', '-json'], zips));
      runs.all.push(await goRun(project, bin, ['download', '-json', 'all'], zips));
      runs.guard.push(await guardRun(project, bin, zips));
    }
    const m = (rs: Run[], k: 'ms' | 'warmMs') => median(rs.map((r) => r[k]));
    const [g, a, d] = [m(runs.go, 'ms'), m(runs.all, 'ms'), m(runs.guard, 'ms')];
    const [wg, wd] = [m(runs.go, 'warmMs'), m(runs.guard, 'warmMs')];
    const last = (rs: Run[]) => rs[rs.length - 1] as Run;
    const row = `${project.padEnd(11)} ${sec(g).padStart(8)} ${sec(a).padStart(8)} ${sec(d).padStart(8)} ${`${(g / d).toFixed(1)}x`.padStart(7)} ${`${(a / d).toFixed(1)}x`.padStart(7)} ${sec(wg).padStart(8)} ${sec(wd).padStart(8)} ${`${last(runs.go).files}/${last(runs.all).files}/${last(runs.guard).files}`.padStart(20)} ${`${mib(last(runs.go).bytes)}/${mib(last(runs.all).bytes)}/${mib(last(runs.guard).bytes)}`.padStart(26)}`;
    rows.push(row);
    console.log(row);
    const notServed = last(runs.all).missing;
    // What go mod download put in the cache (go.sum's zips it did not leave out), the guard must have put there too.
    const guardMissing = last(runs.guard).missing.filter((z) => !last(runs.go).missing.includes(z));
    notes.push(
      `${project}: ${zips.length} module zips in go.sum; not served by the proxy (missing after go mod download all): ${notServed.length ? notServed.join(', ') : 'none'}`,
      `${project}: guard ${last(runs.guard).note ?? ''}${last(runs.all).note ? `; go: ${last(runs.all).note}` : ''}`,
    );
    verdicts.push(`${project}: guard >= 2x faster than go mod download, cold: ${(g / d).toFixed(1)}x ${g / d >= 2 ? 'MET' : 'MISSED'}`);
    verdicts.push(`${project}: guard never slower on a warm cache: ${sec(wd)} vs ${sec(wg)} ${wd <= wg ? 'MET' : 'MISSED'}`);
    verdicts.push(
      `${project}: every module go mod download caches, the guard caches: ${guardMissing.length ? `MISSED (${guardMissing.join(', ')})` : 'MET'}`,
    );
    if (toolchain) {
      const t = await toolchainRuns(project, toolchain);
      const line = `${project}: toolchain switch to ${toolchain}, cold: go ${sec(t.go)}; guard ${sec(t.guard)} (${t.guardNote})`;
      notes.push(line);
    }
  }
  console.log('');
  console.log(rows.join('\n'));
  console.log('');
  console.log(
    'go: go mod download -json; go all: go mod download -json all; guard: the action (probe + prefetch + warm), cache and serve off;',
  );
  console.log('warm: the same command again on the filled cache; files and bytes: .zip/.mod/.info under GOMODCACHE/cache/download');
  for (const n of notes) console.log(n);
  for (const v of verdicts) console.log(`target: ${v}`);
}

await main();
