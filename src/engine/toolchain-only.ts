import { buildConfig } from '../config/config.js';
import { readGoEnv } from '../go/go-env.js';
import { goRunEnv } from '../go/run-env.js';
import { projectToolchain, type ProjectToolchain } from '../project/toolchain-file.js';
import { warmToolchain, type ToolchainWarm } from '../warm/toolchain.js';

export interface ToolchainOnlyOptions {
  /** The project directory (go.mod or go.work there or above, as the go command finds it). */
  dir: string;
  /** GOPROXY entries to fetch through, best first (no probe: they are used as given). */
  proxies: string[];
  /** The go commands' environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Default: the inputs' defaults (retries, retry-backoff, download-timeout). */
  retries?: number;
  backoffMs?: number;
  /** Each go invocation's bound. */
  timeoutMs?: number;
  /** Whether direct is a rung (default false). */
  direct?: boolean;
  log?: (line: string) => void;
}

/**
 * Only the toolchain step of a run: read go env and the project, decide
 * whether its go commands switch toolchains, and if so make the toolchain
 * usable offline down the ladder (the module cache, the proxies with
 * retries, direct), ending with `go version` in the project with
 * GOPROXY=off. No probe, no module download, no report: for benchmarks and
 * tools that time the toolchain alone. `warm` is undefined when the project
 * switches to no toolchain.
 */
export async function warmToolchainOnly(opts: ToolchainOnlyOptions): Promise<{ toolchain: ProjectToolchain; warm?: ToolchainWarm }> {
  const env = opts.env ?? process.env;
  const goEnv = (await readGoEnv(opts.dir, env)).env;
  const toolchain = await projectToolchain(goEnv);
  const { choice, module } = toolchain;
  if (choice.kind !== 'switch' || !module) return { toolchain };
  const defaults = buildConfig(() => undefined, opts.dir).warm;
  const warm = await warmToolchain(
    {
      want: { name: choice.name, module, pathOnly: choice.pathOnly },
      projectDir: opts.dir,
      gomodcache: goEnv.GOMODCACHE,
      restored: false,
      ladder: {
        proxies: opts.proxies,
        retries: opts.retries ?? defaults.retries,
        backoffMs: opts.backoffMs ?? defaults.backoffMs,
        directAllowed: opts.direct ?? false,
      },
    },
    { env: goRunEnv(env), timeoutMs: opts.timeoutMs ?? defaults.timeoutMs },
    opts.log ?? (() => {}),
  );
  return { toolchain, warm };
}
