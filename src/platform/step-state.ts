import * as core from '@actions/core';
import type { BuildCacheState } from '../cache/build-cache.js';
import type { SaveState } from '../cache/module-cache-save.js';
import type { DaemonHandle } from '../serve/daemon.js';

/** What the main step hands the post step: each part only when there is something to do. */
export interface Handover {
  save?: SaveState;
  buildCache?: BuildCacheState;
  /** The local proxy, for the post step to stop. */
  serve?: DaemonHandle;
  /** The JSON report, for the post step to add the local proxy's figures to. */
  reportPath?: string;
}

/**
 * One bundle is the main and the post step of an action (actions/cache's
 * stateProvider): the main step marks itself and hands over; the post step
 * reads what it was handed.
 */
export interface StepState {
  isPost(): boolean;
  /** Called first in the main step: whatever happens next, the post step runs as the post step. */
  markMain(): void;
  handOver(h: Handover): void;
  handedOver(): Handover;
}

/** The runner's step state (core.saveState / core.getState); its keys are named here only. */
export class GitHubStepState implements StepState {
  private static readonly keys = { isPost: 'isPost', save: 'save', buildCache: 'buildCache', serve: 'serve', report: 'report' } as const;

  isPost(): boolean {
    return core.getState(GitHubStepState.keys.isPost) === 'true';
  }
  markMain(): void {
    core.saveState(GitHubStepState.keys.isPost, 'true');
  }
  handOver(h: Handover): void {
    const k = GitHubStepState.keys;
    if (h.save) core.saveState(k.save, JSON.stringify(h.save));
    if (h.buildCache) core.saveState(k.buildCache, JSON.stringify(h.buildCache));
    if (h.serve) core.saveState(k.serve, JSON.stringify(h.serve));
    if (h.reportPath !== undefined) core.saveState(k.report, h.reportPath);
  }
  handedOver(): Handover {
    const k = GitHubStepState.keys;
    // Written by the main step of this very bundle; anything unreadable is nothing to do, never a failed post step.
    const json = <T>(key: string): T | undefined => {
      const raw = core.getState(key);
      try {
        return raw ? (JSON.parse(raw) as T) : undefined;
      } catch {
        return undefined;
      }
    };
    return { save: json(k.save), buildCache: json(k.buildCache), serve: json(k.serve), reportPath: core.getState(k.report) || undefined };
  }
}
