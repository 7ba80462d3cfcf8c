import { diagnoseGo, type GoDiagnosis } from '../diagnosis/go-output.js';
import { runCommand, type GoRunner } from '../go/command.js';
import { findFallthroughs, zipAnsweredBy, type Fallthrough } from './fallthrough.js';
import { parseJsonStream, type DownloadedModule } from './go-json.js';
import { withFilesUnchanged } from '../project/protect.js';
import type { GoTarget } from '../project/go-target.js';
import { offline, proxyUrls, withGoproxy, type Chain } from '../goproxy/chain.js';

export interface DownloadAttempt {
  ok: boolean;
  modules: DownloadedModule[];
  diagnosis?: GoDiagnosis;
  durationMs: number;
  /** Files a proxy of the "|" chain failed to give and go took from the next one (ok or not). */
  fellThrough?: Fallthrough[];
  /** The proxy of the chain that gave the last zip (the one that counts when a single module is downloaded). */
  zipFrom?: string;
}

/**
 * `go mod download -x -json` with the given GOPROXY, under a hard timeout:
 * what go itself downloads before a build (the module graph's go.mod files,
 * and the zips of what go.mod requires; a workspace or a go line before 1.17:
 * the whole build list). Not `all`: that adds zips no build of this project
 * opens. -x makes go print each request (`# get <url>`), so a proxy the chain
 * silently fell through is seen too. `target.modules` names other modules instead.
 */
export async function downloadAll(target: GoTarget, chain: Chain, runner: GoRunner): Promise<DownloadAttempt> {
  const env = withGoproxy(runner.env, chain);
  const result = await withFilesUnchanged(target.protectedFiles, () =>
    runCommand('go', ['mod', 'download', '-x', '-json', ...(target.modules ?? [])], {
      cwd: target.dir,
      env,
      timeoutMs: runner.timeoutMs,
      onStderrLine: runner.onProgress,
    }),
  );
  let modules: DownloadedModule[] = [];
  try {
    modules = parseJsonStream<DownloadedModule>(result.stdout);
  } catch {
    /* a killed go can leave half an object; the diagnosis says why */
  }
  const errors = modules.filter((m) => m.Error).map((m) => `go: ${m.Path}@${m.Version}: ${m.Error}`);
  const ok = result.code === 0 && !result.timedOut && errors.length === 0;
  // The request log is for findFallthroughs; the diagnosis reads the go command's errors alone.
  const stderr = result.stderr
    .split('\n')
    .filter((l) => !l.startsWith('# get '))
    .join('\n');
  const proxies = proxyUrls(chain);
  return {
    ok,
    modules: modules.filter((m) => !m.Error),
    diagnosis: ok ? undefined : diagnoseGo(stderr, errors, { timedOut: result.timedOut, timeoutMs: runner.timeoutMs }),
    durationMs: result.durationMs,
    fellThrough: proxies.length > 1 ? findFallthroughs(result.stderr, proxies) : [],
    zipFrom: ok ? zipAnsweredBy(result.stderr, proxies) : undefined,
  };
}

/**
 * vendor/ is usable when the go command builds from it with no network:
 * consistent with go.mod. `output` is the start of go's explanation.
 */
export async function vendorUsable(target: GoTarget, runner: GoRunner, maxLines = 3): Promise<{ ok: boolean; output: string }> {
  const result = await withFilesUnchanged(target.protectedFiles, () =>
    runCommand('go', ['list', '-mod=vendor', '-deps', ...target.packages], {
      cwd: target.dir,
      env: { ...withGoproxy(runner.env, offline()), GOFLAGS: '-mod=vendor' },
      timeoutMs: runner.timeoutMs,
    }),
  );
  const output = result.timedOut
    ? `go list timed out after ${runner.timeoutMs} ms`
    : result.stderr.trim().split('\n').slice(0, maxLines).join('\n');
  return { ok: result.code === 0 && !result.timedOut, output };
}
