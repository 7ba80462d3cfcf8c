import { runCommand, type GoRunner } from '../go/command.js';
import { offline, withGoproxy } from '../goproxy/chain.js';
import type { GoTarget } from './go-target.js';
import { withFilesUnchanged } from './protect.js';

/** `go mod verify`: the extracted modules and zips still match what was downloaded. */
export async function verifyModules(target: GoTarget, runner: GoRunner): Promise<{ ok: boolean; output: string }> {
  const result = await withFilesUnchanged(target.protectedFiles, () =>
    runCommand('go', ['mod', 'verify'], { cwd: target.dir, env: withGoproxy(runner.env, offline()), timeoutMs: runner.timeoutMs }),
  );
  return { ok: result.code === 0 && !result.timedOut, output: (result.stdout + result.stderr).trim() };
}
