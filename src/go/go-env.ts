import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from './command.js';

/** The go env variables the guard reads. */
export interface GoEnv {
  GOPROXY: string;
  GOPRIVATE: string;
  GONOPROXY: string;
  GONOSUMDB: string;
  GOSUMDB: string;
  GOMODCACHE: string;
  /** The build cache, "off", or "" when go could not say (no default guessed: it differs per OS). */
  GOCACHE: string;
  GOFLAGS: string;
  /** The runner's own go (asked with GOTOOLCHAIN=local), whatever toolchain a project would switch to. */
  GOVERSION: string;
  /** GOAUTH as the user set it ("netrc" by default). */
  GOAUTH: string;
  GOOS: string;
  GOARCH: string;
  /** The platform the go command itself runs on: what a downloaded toolchain is built for (GOOS/GOARCH may name a cross-compile target). */
  GOHOSTOS: string;
  GOHOSTARCH: string;
  /** The go.work in use ("" for none, "off"), or undefined when go could not say. */
  GOWORK: string | undefined;
  /** The go.mod the go command uses here ("" or /dev/null outside a module), or undefined when go could not say. */
  GOMOD: string | undefined;
  /** "off": GOPATH mode, where the go command never switches toolchains. */
  GO111MODULE: string;
  /** The user's GOTOOLCHAIN (environment, go env -w, $GOROOT/go.env): whether and how the go command switches toolchains. */
  GOTOOLCHAIN: string;
}

const GO_DEFAULTS = { GOPROXY: 'https://proxy.golang.org,direct', GOSUMDB: 'sum.golang.org', GOAUTH: 'netrc' };

export interface GoEnvResult {
  env: GoEnv;
  /** Why `go env` could not be used, when it could not. */
  problem?: string;
}

const NAMES = [
  'GOWORK',
  'GOPROXY',
  'GOPRIVATE',
  'GONOPROXY',
  'GONOSUMDB',
  'GOSUMDB',
  'GOMODCACHE',
  'GOCACHE',
  'GOFLAGS',
  'GOVERSION',
  'GOOS',
  'GOARCH',
  'GOHOSTOS',
  'GOHOSTARCH',
  'GOMOD',
  'GO111MODULE',
  'GOPATH',
  'GOAUTH',
];

/**
 * `go env -json` for the variables the guard reads, or the documented
 * defaults plus the environment when go is missing. Naming them matters:
 * the full `go env` probes the C toolchain and costs ~0.5 s.
 *
 * A project whose go.mod asks for a newer Go makes every go command switch
 * toolchains first, downloading one through GOPROXY: `go env` runs with
 * GOTOOLCHAIN=local so that reading the settings never does, and the user's
 * GOTOOLCHAIN comes from `go env GOTOOLCHAIN`, the one form the go command
 * always answers itself (toolchain.Select).
 */
export async function readGoEnv(cwd: string, env: NodeJS.ProcessEnv): Promise<GoEnvResult> {
  const opts = { cwd, timeoutMs: 30_000 };
  const [result, toolchain] = await Promise.all([
    runCommand('go', ['env', '-json', ...NAMES], { ...opts, env: { ...env, GOTOOLCHAIN: 'local' } }),
    runCommand('go', ['env', 'GOTOOLCHAIN'], { ...opts, env }),
  ]);
  if (result.code === 0) {
    const parsed = JSON.parse(result.stdout) as Record<string, string>;
    if (toolchain.code === 0) parsed.GOTOOLCHAIN = toolchain.stdout.trim();
    return { env: pick(parsed, env) };
  }
  const problem = result.stderr.trim().split('\n')[0] || 'the go command is not installed';
  return { env: pick({}, env), problem };
}

function pick(values: Record<string, string>, env: NodeJS.ProcessEnv): GoEnv {
  const v = (k: string, d = '') => values[k] ?? env[k] ?? d;
  const gopath = v('GOPATH', path.join(os.homedir(), 'go')).split(path.delimiter)[0] as string;
  const goprivate = v('GOPRIVATE');
  return {
    GOPROXY: v('GOPROXY', GO_DEFAULTS.GOPROXY),
    GOPRIVATE: goprivate,
    GONOPROXY: v('GONOPROXY', goprivate),
    GONOSUMDB: v('GONOSUMDB', goprivate),
    GOSUMDB: v('GOSUMDB', GO_DEFAULTS.GOSUMDB),
    GOMODCACHE: v('GOMODCACHE', path.join(gopath, 'pkg', 'mod')),
    GOCACHE: v('GOCACHE'),
    GOFLAGS: v('GOFLAGS'),
    GOVERSION: v('GOVERSION', 'unknown'),
    GOAUTH: v('GOAUTH', GO_DEFAULTS.GOAUTH) || GO_DEFAULTS.GOAUTH,
    GOOS: v('GOOS', process.platform === 'win32' ? 'windows' : process.platform),
    GOARCH: v('GOARCH', process.arch === 'x64' ? 'amd64' : process.arch),
    GOHOSTOS: v('GOHOSTOS', process.platform === 'win32' ? 'windows' : process.platform),
    GOHOSTARCH: v('GOHOSTARCH', process.arch === 'x64' ? 'amd64' : process.arch),
    GOWORK: values.GOWORK ?? env.GOWORK,
    GOMOD: values.GOMOD,
    GO111MODULE: v('GO111MODULE'),
    // Unknown when go could not be asked: the environment's, else no switch is predicted.
    GOTOOLCHAIN: values.GOTOOLCHAIN ?? env.GOTOOLCHAIN ?? '',
  };
}

/** The checksum database name the go command asks proxies about, or undefined when off. */
export function sumdbName(gosumdb: string): string | undefined {
  const first = gosumdb.trim().split(/\s+/)[0] ?? '';
  if (first === '' || first === 'off') return undefined;
  return first.split('+')[0];
}
