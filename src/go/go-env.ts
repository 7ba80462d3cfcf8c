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
  GOVERSION: string;
  GOOS: string;
  GOARCH: string;
  /** The go.work in use ("" for none, "off"), or undefined when go could not say. */
  GOWORK: string | undefined;
}

const GO_DEFAULTS = { GOPROXY: 'https://proxy.golang.org,direct', GOSUMDB: 'sum.golang.org' };

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
];

/**
 * `go env -json` for the variables the guard reads, or the documented
 * defaults plus the environment when go is missing. Naming them matters:
 * the full `go env` probes the C toolchain and costs ~0.5 s.
 */
export async function readGoEnv(cwd: string, env: NodeJS.ProcessEnv): Promise<GoEnvResult> {
  const result = await runCommand('go', ['env', '-json', ...NAMES], { cwd, env, timeoutMs: 30_000 });
  if (result.code === 0) {
    const parsed = JSON.parse(result.stdout) as Record<string, string>;
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
