/**
 * Running the real go command hermetically: its own GOPATH, module cache,
 * build cache and HOME (so no ~/.netrc or ~/.config/go/env leaks in), only the
 * lab CA trusted, and every invocation bounded by a timeout because go itself
 * has none (a hanging proxy hangs it forever).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultWorld, goSumLines, resolveBuildList, type ModuleRef, type ModuleVersion } from './modules.js';
import { ensureLabPki } from './pki.js';

export interface RunResult {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  cwd?: string;
  /** Complete environment of the child (not merged with process.env). */
  env?: Record<string, string | undefined>;
  /** Kill the whole process group after this long (default 60 s). */
  timeoutMs?: number;
  input?: string;
}

/**
 * Spawn a command asynchronously (tests run servers in this very process, so
 * a synchronous spawn would deadlock against them). The child leads its own
 * process group, so a timeout kills go *and* the compilers/linkers it started.
 */
export function runCommand(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        durationMs: Date.now() - started,
      });
    });
    child.stdin.on('error', () => undefined); // EPIPE when the child exits without reading stdin
    child.stdin.end(opts.input ?? '');
  });
}

/** SIGKILL the process group we created for this child (by its id only). */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** `go <args>`; pass `env` from hermeticGoEnv(). */
export function runGo(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runCommand(process.env.LAB_GO ?? 'go', args, opts);
}

/** Parse `go ... -json` output: a stream of concatenated objects, not an array. */
export function parseJsonStream<T = Record<string, unknown>>(text: string): T[] {
  const out: T[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) {
      out.push(JSON.parse(text.slice(start, i + 1)) as T);
    }
  }
  return out;
}

/** One object of `go mod download -json`. */
export interface GoModDownload {
  Path: string;
  Version: string;
  Error?: string;
  Info?: string;
  GoMod?: string;
  Zip?: string;
  Dir?: string;
  Sum?: string;
  GoModSum?: string;
}

export interface HermeticGoEnvOptions {
  /** Trusted roots for go (default: the lab CA). */
  caCert?: string;
}

/**
 * A complete, isolated environment for go, rooted at `labDir`:
 * `<labDir>/{home,gopath,modcache,gocache}`. Nothing from the caller's
 * environment passes except PATH/TMPDIR/LANG; proxies (HTTP_PROXY...) never
 * do. GOPROXY defaults to `off` so a test that forgets it cannot reach out.
 * `extra` wins; a value of `undefined` removes a variable.
 */
export function hermeticGoEnv(
  labDir: string,
  extra: Record<string, string | undefined> = {},
  opts: HermeticGoEnvOptions = {},
): Record<string, string> {
  const caCert = opts.caCert ?? ensureLabPki().caCert;
  const dirs = {
    HOME: path.join(labDir, 'home'),
    GOPATH: path.join(labDir, 'gopath'),
    GOMODCACHE: path.join(labDir, 'modcache'),
    GOCACHE: path.join(labDir, 'gocache'),
    SSL_CERT_DIR: path.join(labDir, 'empty-certs'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    TMPDIR: process.env.TMPDIR,
    LANG: 'C.UTF-8',
    ...dirs,
    XDG_CONFIG_HOME: path.join(dirs.HOME, '.config'),
    GOENV: 'off',
    GOFLAGS: '-modcacherw',
    GO111MODULE: 'on',
    GOTOOLCHAIN: 'local',
    GOPROXY: 'off',
    GOSUMDB: 'off',
    GONOSUMDB: 'example.com',
    GOPRIVATE: '',
    GONOPROXY: '',
    GOINSECURE: '',
    GOWORK: undefined,
    CGO_ENABLED: '0',
    GIT_TERMINAL_PROMPT: '0',
    // SSL_CERT_FILE replaces the system bundle; the empty SSL_CERT_DIR keeps
    // /etc/ssl/certs out too, so exactly one CA is trusted.
    SSL_CERT_FILE: caCert,
    ...extra,
  };
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
  return clean;
}

// ---------------------------------------------------------------- projects

export type Requirement = ModuleVersion | ModuleRef;

export interface GoProjectOptions {
  /** Module path of the project (default `lab.example/project`). */
  module?: string;
  /** Direct requirements. */
  requires: readonly Requirement[];
  /** Where transitive requirements are looked up (default: the ModuleVersions in `requires` + defaultWorld()). */
  world?: readonly ModuleVersion[];
  /** Write go.sum for the whole build list (default true). */
  withGoSum?: boolean;
  /** Modules whose root package main.go imports and calls (default: every direct requirement). */
  mainImports?: readonly string[] | boolean;
  goVersion?: string;
}

export interface GoProject {
  dir: string;
  goMod: string;
  goSum: string;
  /** Selected versions (MVS), direct and indirect. */
  buildList: ModuleVersion[];
  /** What the built program prints, line by line, when main.go calls the imports. */
  expectedOutput: string[];
}

function isModuleVersion(r: Requirement): r is ModuleVersion {
  return 'zip' in r;
}

/**
 * Write a buildable main module: go.mod listing the full build list (direct
 * requirements plus `// indirect` ones, as go >= 1.17 insists), go.sum with
 * zip and /go.mod hashes for every module in the graph, and main.go that
 * imports and calls each module's package.
 */
export function makeGoProject(dir: string, opts: GoProjectOptions): GoProject {
  const world = opts.world ?? [...opts.requires.filter(isModuleVersion), ...defaultWorld()];
  const direct = opts.requires.map((r) => ({ path: r.path, version: r.version }));
  const { selected, graph } = resolveBuildList(direct, world);
  const directPaths = new Set(direct.map((r) => r.path));
  const moduleName = opts.module ?? 'lab.example/project';
  const lines = selected.map((m) => `\t${m.path} ${m.version}${directPaths.has(m.path) ? '' : ' // indirect'}\n`);
  const goMod = `module ${moduleName}\n\ngo ${opts.goVersion ?? '1.19'}\n${lines.length ? `\nrequire (\n${lines.join('')})\n` : ''}`;
  const goSum =
    opts.withGoSum === false
      ? ''
      : goSumLines(graph, { zip: (m) => selected.includes(m) })
          .map((l) => `${l}\n`)
          .join('');

  const importPaths =
    opts.mainImports === false
      ? []
      : opts.mainImports === true || opts.mainImports === undefined
        ? direct.map((r) => r.path)
        : [...opts.mainImports];
  const imported = importPaths.map((p) => {
    const m = selected.find((s) => s.path === p);
    if (!m) throw new Error(`lab: mainImports names ${p}, which is not in the build list`);
    if (!m.packageName) throw new Error(`lab: ${p} has custom files; cannot know its package API`);
    return m;
  });
  const mainGo = `// Command project is a lab main module: it calls into every imported dependency.
package main

import (
\t"fmt"
${imported.map((m, i) => `\tm${i} "${m.path}"\n`).join('')})

func main() {
${imported.map((_m, i) => `\tfmt.Println(m${i}.Hello())\n`).join('')}\tfmt.Println("ok")
}
`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'go.mod'), goMod);
  if (opts.withGoSum !== false) writeFileSync(path.join(dir, 'go.sum'), goSum);
  else rmSync(path.join(dir, 'go.sum'), { force: true });
  writeFileSync(path.join(dir, 'main.go'), mainGo);
  const expected = imported.map((m) => helloOf(m, selected));
  return { dir, goMod, goSum, buildList: selected, expectedOutput: [...expected, 'ok'] };
}

/** What a generated package's Hello() returns once MVS has picked versions. */
function helloOf(m: ModuleVersion, selected: readonly ModuleVersion[]): string {
  const deps = m.imports.map((p) => selected.find((s) => s.path === p)).filter((d): d is ModuleVersion => !!d);
  return [`${m.path}@${m.version}`, ...deps.map((d) => helloOf(d, selected))].join(' <- ');
}

/** A go.work using the given module directories (relative to `dir`). */
export function makeGoWork(dir: string, modules: readonly string[], goVersion = '1.19'): string {
  const text = `go ${goVersion}\n\nuse (\n${modules.map((m) => `\t./${m.replace(/^\.\//, '')}\n`).join('')})\n`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'go.work'), text);
  return text;
}

/** The real `go mod vendor`; throws with go's stderr when it fails. */
export async function vendorProject(dir: string, env: Record<string, string>, timeoutMs = 30_000): Promise<RunResult> {
  const r = await runGo(['mod', 'vendor'], { cwd: dir, env, timeoutMs });
  if (r.code !== 0) throw new Error(`go mod vendor failed (${r.timedOut ? 'timed out' : `exit ${r.code}`}):\n${r.stderr}`);
  return r;
}

/**
 * rm -rf that also works on a module cache: go extracts modules read-only
 * (unless -modcacherw), which makes a plain recursive rm fail for non-root.
 */
export function removeDirForce(dir: string): void {
  if (!existsSync(dir)) return;
  const makeWritable = (p: string): void => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (!st.isDirectory()) return; // files need no mode: unlink depends on the parent dir
    try {
      chmodSync(p, 0o755);
    } catch {
      /* best effort */
    }
    for (const e of readdirSync(p)) makeWritable(path.join(p, e));
  };
  makeWritable(dir);
  rmSync(dir, { recursive: true, force: true });
}
