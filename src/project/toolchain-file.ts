import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import { readToolchainFile, selectToolchain, toolchainModule, type ToolchainChoice, type ToolchainFile } from './toolchain.js';

/** What go env says about the toolchain: the settings Select reads, and where the go command runs. */
export interface ToolchainEnv {
  GOTOOLCHAIN: string;
  GOVERSION: string;
  GOHOSTOS: string;
  GOHOSTARCH: string;
  GO111MODULE: string;
  /** The go.work in use: a path, "" or "off"; undefined when go could not say. */
  GOWORK: string | undefined;
  /** The go.mod in use: a path, "" or the null device; undefined when go could not say. */
  GOMOD: string | undefined;
}

/** The toolchain the project's go commands will run, and the module a switch downloads. */
export interface ProjectToolchain {
  choice: ToolchainChoice;
  /** The file Select read (go.work before go.mod), when there was one. */
  file: ToolchainFile | undefined;
  /** Set for a switch: golang.org/toolchain@v0.0.1-<name>.<GOHOSTOS>-<GOHOSTARCH>. */
  module?: { path: string; version: string };
}

async function readIfFile(p: string | undefined): Promise<ToolchainFile | undefined> {
  if (!p || p === 'off' || p === os.devNull) return undefined;
  const text = await fs.readFile(p, 'utf8').catch(() => undefined);
  return text === undefined ? undefined : readToolchainFile(p, text);
}

/**
 * Read the file the go command reads when it starts in the project (the
 * go.work in use, else the go.mod: go env GOWORK and GOMOD, asked with
 * GOTOOLCHAIN=local) and decide, as toolchain.Select does, whether it will
 * switch toolchains. In GOPATH mode (GO111MODULE=off) it never does.
 */
export async function projectToolchain(env: ToolchainEnv): Promise<ProjectToolchain> {
  if (env.GO111MODULE === 'off') return { choice: { kind: 'local', reason: 'GO111MODULE=off: no toolchain switch' }, file: undefined };
  const file = (await readIfFile(env.GOWORK)) ?? (await readIfFile(env.GOMOD));
  const choice = selectToolchain({ gotoolchain: env.GOTOOLCHAIN, local: env.GOVERSION, file });
  if (choice.kind !== 'switch') return { choice, file };
  return { choice, file, module: toolchainModule(choice.name, env.GOHOSTOS, env.GOHOSTARCH) };
}
