import * as cache from '@actions/cache';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { withinCacheService } from '../cache/service-bound.js';
import type { AlertClaim, ClaimResult } from './alert-claim.js';

const CLAIM_TIMEOUT_MS = 10_000;
/** How long a job that could not reserve the key looks for the winner's entry: its upload is a few hundred bytes. */
const SETTLE_MS = 8_000;
const POLL_MS = 400;

/**
 * An election through the Actions cache: entries are immutable and a key can
 * be reserved once, so the first job of the run to save
 * `go-proxy-guard-alert-<run>-<attempt>-<subject hash>` sends; the others
 * find the key reserved or present. A tiny entry per alert actually due (the
 * cooldown keeps that to one per condition per cooldown), never read again,
 * so GitHub evicts it after 7 days unused.
 *
 * The cache version hashes the saved path: jobs elect together when they see
 * the same RUNNER_TEMP (true of GitHub-hosted runners of one OS). Runners
 * with other paths elect separately, which is today's behaviour: one alert each.
 */
export class GitHubAlertClaim implements AlertClaim {
  private readonly dir: string;
  private readonly runPart: string;

  constructor(
    env: NodeJS.ProcessEnv,
    private readonly opts: { sleep?: (ms: number) => Promise<void>; settleMs?: number } = {},
  ) {
    this.dir = path.join(env.RUNNER_TEMP || '/tmp', 'go-proxy-guard-alert-claim');
    const part = (s: string | undefined) => (s ?? 'none').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
    this.runPart = `${part(env.GITHUB_REPOSITORY)}-${part(env.GITHUB_RUN_ID)}-${part(env.GITHUB_RUN_ATTEMPT)}`;
  }

  async claim(subject: string): Promise<ClaimResult> {
    const key = `go-proxy-guard-alert-${this.runPart}-${createHash('sha256').update(subject).digest('hex').slice(0, 16)}`;
    try {
      if (await this.exists(key)) return { outcome: 'lost', key };
      await fs.mkdir(this.dir, { recursive: true });
      const file = path.join(this.dir, 'claim.json');
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await fs.writeFile(
        tmp,
        JSON.stringify({ subject: createHash('sha256').update(subject).digest('hex'), at: new Date().toISOString() }),
      );
      await fs.rename(tmp, file);
      // saveCache swallows every error and returns -1, so a refused reservation and a dead service look alike here.
      const id = await withinCacheService(CLAIM_TIMEOUT_MS, 'alert claim', () => cache.saveCache([this.dir], key));
      if (id !== -1) return { outcome: 'won', key };
      // Another job reserved it first: its entry appears once its tiny upload is done.
      const sleep = this.opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
      const until = Date.now() + (this.opts.settleMs ?? SETTLE_MS);
      while (Date.now() < until) {
        if (await this.exists(key)) return { outcome: 'lost', key };
        await sleep(POLL_MS);
      }
      return { outcome: 'unknown', key, why: "the cache service neither stored the claim nor showed another job's" };
    } catch (err) {
      return { outcome: 'unknown', key, why: (err as Error).message };
    }
  }

  private async exists(key: string): Promise<boolean> {
    const found = await withinCacheService(CLAIM_TIMEOUT_MS, 'alert claim lookup', () =>
      cache.restoreCache([this.dir], key, [], { lookupOnly: true }),
    );
    return found === key;
  }
}
