import type { RestoreOutcome } from '../cache/restore.js';
import { failure } from '../diagnosis/failure.js';
import { escapeVersion } from '../goproxy/module-path.js';
import type { Platform } from '../platform/platform.js';
import type { ProjectToolchain } from '../project/toolchain-file.js';
import type { GoRunner } from '../go/command.js';
import type { LadderResult } from '../warm/ladder.js';
import { warmToolchain, type ToolchainWarm } from '../warm/toolchain.js';
import type { Prepared } from './prepare-stage.js';
import { proxyRungs, type WarmProxies } from './probe-stage.js';

/** Warm the toolchain a switch needs, down the same ladder as the modules; undefined when the project switches to none. */
export async function toolchainStep(
  run: Prepared,
  proxies: WarmProxies,
  runner: GoRunner,
  projectDir: string,
  restored: RestoreOutcome,
  platform: Platform,
): Promise<ToolchainWarm | undefined> {
  const tc = run.toolchain;
  if (tc.choice.kind === 'invalid') {
    // The go command stops on the setting before anything else: nothing to fetch, nothing else will run.
    const diagnosis = { ...failure('invalid-version', tc.choice.reason), goMessage: `go: ${tc.choice.reason}` };
    return { source: 'failed', diagnosis, ms: 0 };
  }
  if (tc.choice.kind !== 'switch' || !tc.module) return undefined;
  const zip = `${tc.module.path}/@v/${escapeVersion(tc.module.version)}.zip`;
  const { config } = run;
  const warmed = await warmToolchain(
    {
      want: { name: tc.choice.name, module: tc.module, pathOnly: tc.choice.pathOnly },
      projectDir,
      gomodcache: run.goEnv.GOMODCACHE,
      restored: restored.toolchainZips?.includes(zip) ?? false,
      ladder: proxyRungs(config, proxies),
    },
    runner,
    (line) => platform.info(line),
  );
  platform.info(toolchainLine(tc.choice.name, warmed));
  return warmed;
}

/** One log line: how the toolchain was made available, or why it could not be. */
function toolchainLine(name: string, t: ToolchainWarm): string {
  const took = `${(t.ms / 1000).toFixed(2)} s`;
  switch (t.source) {
    case 'path':
      return `toolchain ${name}: on PATH (${t.onPath}): the go command runs it, nothing to download`;
    case 'failed':
      return `toolchain ${name}: not available after ${took}: ${t.diagnosis?.message ?? 'unknown failure'}`;
    default:
      return `toolchain ${name}: ready offline (${t.source}${t.ladder ? `, ${t.ladder.step} rung` : ''}) in ${took}: ${t.switched ?? ''}`;
  }
}

/**
 * Without the toolchain go.mod asks for, no go command runs in the project:
 * the module ladder is not climbed, and the warm fails with the toolchain's
 * own rungs and diagnosis.
 */
export function toolchainFailedLadder(t: ToolchainWarm, tc: ProjectToolchain | undefined): LadderResult {
  const name = tc?.choice.kind === 'switch' ? tc.choice.name : 'a valid toolchain setting';
  const by = tc?.choice.kind === 'switch' ? ` (${tc.choice.by.text})` : '';
  const rungs = (t.ladder?.rungs ?? []).filter((r) => r.step !== 'failed').map((r) => ({ ...r, reason: `toolchain ${name}: ${r.reason}` }));
  const reason = `every go command in the project needs ${name}${by}, and it could not be obtained: ${t.diagnosis?.message ?? 'unknown failure'}`;
  rungs.push({ step: 'failed', detail: '', outcome: 'failed', reason, ms: 0, diagnosis: t.diagnosis });
  return { step: 'failed', rungs, modules: 0, buildList: [], diagnosis: t.diagnosis, proxyFailures: t.ladder?.proxyFailures ?? [] };
}
