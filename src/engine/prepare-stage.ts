import * as path from 'node:path';
import { buildConfig, type Config } from '../config/config.js';
import { registerSecretInputs } from '../config/secret-inputs.js';
import { readGoEnv, type GoEnv } from '../go/go-env.js';
import { SetupError } from '../config/errors.js';
import { unsupportedGo } from '../go/go-version.js';
import { credentialSecrets, GoAuthError, loadCredentials, type Credentials } from '../goproxy/goauth.js';
import { readNetrc, type NetrcEntry } from '../goproxy/netrc.js';
import type { Platform } from '../platform/platform.js';
import { discoverProject, requireDirectory, type Project } from '../project/discover.js';
import { projectToolchain, type ProjectToolchain } from '../project/toolchain-file.js';
import type { Secrets } from '../secrets/secrets.js';
import { readSumFiles, type SumFile } from '../cache/key.js';
import { moduleDownloadDir } from '../cache/restore.js';
import { parseGoproxy, type Chain } from '../goproxy/chain.js';
import { goRunEnv } from '../go/run-env.js';
import { chainDecisions, type ChainDecisions } from './chain-decisions.js';

/** Everything the run knows before it touches the network: read or decided once, used by every stage. */
export interface Prepared extends ChainDecisions {
  config: Config;
  goEnv: GoEnv;
  project: Project;
  /** What go would send each proxy (GOAUTH: netrc, commands), by URL prefix. */
  credentials: Credentials;
  /** The user's netrc lines as go reads them (NETRC, else ~/.netrc), read once. */
  netrc: NetrcEntry[];
  /** The Go toolchain the project's go commands run: the machine's, or one they switch to (and download). */
  toolchain: ProjectToolchain;
  /** The process environment the run was started with. */
  env: NodeJS.ProcessEnv;
  /** The environment every go command of the run gets: the user's, minus a -mod flag `go mod download` refuses. */
  runEnv: NodeJS.ProcessEnv;
  /** The user's own GOPROXY (go env), parsed once. */
  userChain: Chain;
  /** GOMODCACHE/cache/download: where every module file of the run lands. */
  downloadDir: string;
  /** go.sum and go.work.sum, read once: the cache keys hash them, the restored modules are checked against them. */
  sums: SumFile[];
}

/** Inputs, `go env`, the Go project and the user's credentials (GOAUTH); the secrets among them are registered before anything is logged. */
export async function prepareStage(ctx: { platform: Platform; secrets: Secrets; env: NodeJS.ProcessEnv; cwd: string }): Promise<Prepared> {
  const { platform, secrets, env } = ctx;
  registerSecretInputs(platform.readInput, secrets);
  const config = buildConfig(platform.readInput, ctx.cwd, env);
  const wd = config.workingDirectoryGiven ?? '.';
  await requireDirectory(config.workingDirectory, wd);
  const goEnv = await readGoEnv(config.workingDirectory, env);
  if (goEnv.problem) platform.warning(`go env failed (${goEnv.problem}); using GOPROXY and friends from the environment`);
  const unsupported = goEnv.problem ? undefined : unsupportedGo(goEnv.env.GOVERSION);
  if (unsupported) throw new SetupError(unsupported);
  const project = await discoverProject(config.workingDirectory, {
    gonoproxy: goEnv.env.GONOPROXY,
    gowork: goEnv.env.GOWORK,
    requireGoMod: config.workingDirectoryGiven !== undefined,
    inputValue: wd,
  });
  const netrc = await readNetrc(env);
  const credentials = await loadCredentials(goEnv.env.GOAUTH, config.workingDirectory, { env, netrc }).catch((err: unknown) => {
    if (err instanceof GoAuthError) throw new SetupError(`GOAUTH: ${err.message}`);
    throw err;
  });
  for (const secret of credentialSecrets(credentials)) secrets.add(secret);
  const toolchain = await projectToolchain(goEnv.env);
  if (toolchain.choice.kind === 'switch')
    platform.info(
      `toolchain: go commands here switch from ${goEnv.env.GOVERSION} to ${toolchain.choice.name} (${toolchain.choice.by.text})`,
    );
  else if (toolchain.choice.kind === 'invalid') platform.warning(`toolchain: ${toolchain.choice.reason}`, 'go-proxy-guard toolchain');
  const userChain = parseGoproxy(goEnv.env.GOPROXY);
  return {
    config,
    goEnv: goEnv.env,
    project,
    credentials,
    toolchain,
    env,
    netrc,
    runEnv: goRunEnv(env),
    userChain,
    downloadDir: moduleDownloadDir(goEnv.env.GOMODCACHE),
    sums: await readSumFiles(project),
    ...chainDecisions(config, userChain),
  };
}

/** Where the Actions cache entry of the module cache is staged: the guard's, and the same path every job. */
export const moduleStagingRoot = (platform: { workDir: string }) => path.join(platform.workDir, 'module-cache');
