import { spawn } from 'node:child_process';

/** How to end a command and everything it started (go spawns git, compilers, linkers). */
export type TreeKill = { kind: 'group'; pid: number } | { kind: 'taskkill'; file: string; args: string[] };

/**
 * Pure: on POSIX the child leads its own process group (spawned detached), so one signal to -pid reaches
 * the whole tree; Windows has no process groups, so `taskkill /T /F` walks and ends the tree.
 */
export function treeKillPlan(platform: NodeJS.Platform, pid: number): TreeKill {
  if (platform === 'win32') return { kind: 'taskkill', file: 'taskkill', args: ['/pid', String(pid), '/T', '/F'] };
  return { kind: 'group', pid };
}

/** Kill the process tree of `pid`; whatever is already gone is not an error. */
export function killTree(pid: number, platform: NodeJS.Platform = process.platform): void {
  const plan = treeKillPlan(platform, pid);
  try {
    if (plan.kind === 'group') process.kill(-plan.pid, 'SIGKILL');
    else spawn(plan.file, plan.args, { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
  } catch {
    /* already gone */
  }
}
