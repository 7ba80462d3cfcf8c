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
  /** GOTOOLCHAIN as the user set it (environment, go env -w, or GOROOT/go.env). */
  GOTOOLCHAIN: string;
  GOOS: string;
  GOARCH: string;
  /** The go.work in use ("" for none, "off"), or undefined when go could not say. */
  GOWORK: string | undefined;
}

const GO_DEFAULTS = { GOPROXY: 'https://proxy.golang.org,direct', GOSUMDB: 'sum.golang.org', GOAUTH: 'netrc', GOTOOLCHAIN: 'auto' };

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
  'GOPATH',
  'GOAUTH',
];

/**
 * `go env -json` for the variables the guard reads, or the documented
 * defaults plus the environment when go is missing. Naming them matters:
 * the full `go env` probes the C toolchain and costs ~0.5 s.
 */
export async function readGoEnv(cwd: string, env: NodeJS.ProcessEnv): Promise<GoEnvResult> {
  // GOTOOLCHAIN=local: the runner's go answers itself, instead of switching (and downloading) for a newer go.mod;
  // `go env GOTOOLCHAIN` alone is always answered by the local go, with the user's setting.
  const [result, toolchain] = await Promise.all([
    runCommand('go', ['env', '-json', ...NAMES], { cwd, env: { ...env, GOTOOLCHAIN: 'local' }, timeoutMs: 30_000 }),
    runCommand('go', ['env', 'GOTOOLCHAIN'], { cwd, env, timeoutMs: 30_000 }),
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
    GOTOOLCHAIN: v('GOTOOLCHAIN', GO_DEFAULTS.GOTOOLCHAIN),
    GOOS: v('GOOS', process.platform === 'win32' ? 'windows' : process.platform),
    GOARCH: v('GOARCH', process.arch === 'x64' ? 'amd64' : process.arch),
    GOWORK: values.GOWORK ?? env.GOWORK,
  };
}

/** The checksum database name the go command asks proxies about, or undefined when off. */
export function sumdbName(gosumdb: string): string | undefined {
  const first = gosumdb.trim().split(/\s+/)[0] ?? '';
  if (first === '' || first === 'off') return undefined;
  return first.split('+')[0];
}
