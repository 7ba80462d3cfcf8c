/**
 * The world of an in-process stage test: a Go project of the lab's modules,
 * the hermetic go environment with no way off loopback, and the fake
 * Platform with the inputs given. Stages run from src/ against it: no bundle
 * is built or run.
 */
import path from 'node:path';
import type { InputName } from '../../src/config/inputs.js';
import { prepareStage } from '../../src/engine/prepare-stage.js';
import { startProbes } from '../../src/engine/probe-stage.js';
import type { EngineContext } from '../../src/engine/run.js';
import { Secrets } from '../../src/secrets/secrets.js';
import { FakePlatform } from './fake-platform.js';
import { hermeticGoEnv, makeGoProject } from './go.js';
import { BETA, GAMMA, NO_EGRESS, UPPER, world } from './guard-case.js';
import type { ModuleVersion } from './modules.js';
import { makeLabDir } from './paths.js';

export interface StageCase {
  lab: string;
  /** The Go project (absent with `requires: false`: a directory without go.mod). */
  dir: string;
  env: Record<string, string>;
  platform: FakePlatform;
  secrets: Secrets;
  /** What runGuard and prepareStage take. */
  ctx: EngineContext;
}

export function stageCase(
  name: string,
  inputs: Partial<Record<InputName, string>>,
  opts: { requires?: ModuleVersion[] | false; goEnv?: Record<string, string> } = {},
): StageCase {
  const lab = makeLabDir(name);
  const dir = path.join(lab, 'project');
  if (opts.requires !== false) makeGoProject(dir, { requires: opts.requires ?? [BETA, UPPER, GAMMA], world });
  const env = hermeticGoEnv(lab, { GOPROXY: 'direct', ...NO_EGRESS, ...opts.goEnv });
  const platform = new FakePlatform(inputs, path.join(lab, 'work'));
  const secrets = new Secrets();
  return { lab, dir, env, platform, secrets, ctx: { platform, secrets, env, cwd: opts.requires === false ? lab : dir } };
}

/** prepareStage, then every candidate's probe started: where the ranking and the export begin. */
export async function prepareAndProbe(c: StageCase) {
  const run = await prepareStage(c.ctx);
  return { run, probes: startProbes(run) };
}
