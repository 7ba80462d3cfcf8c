import type { Config } from '../config/config.js';
import { overrideFingerprint, overrideNotice, type Override } from '../config/override.js';
import type { Platform } from '../platform/platform.js';
import type { GuardState } from '../state/guard-state.js';

/**
 * The run history, read as late as possible: its cache's own "Cache restored
 * successfully" must not be taken for the module cache's. An override needs
 * it at once (since when has it been in force?).
 */
export function previousState(platform: Platform, config: Config): () => Promise<GuardState> {
  let load = config.override ? platform.state.load() : undefined;
  return () => (load ??= platform.state.load());
}

/**
 * Since when the override has been in force: the variable carries no date,
 * so the first run that saw this value (kept in the state) says when.
 * Logged as a warning (an annotation on GitHub) at once.
 */
export async function overrideInForce(
  o: Override,
  previous: Promise<GuardState>,
  shown: (url: string) => string,
  platform: Platform,
): Promise<{ since: string; notice: string }> {
  const prior = (await previous).override;
  const since = prior && prior.value === overrideFingerprint(o) ? prior.since : new Date().toISOString();
  const notice = overrideNotice(o, since, shown);
  platform.warning(notice, 'go-proxy-guard override');
  return { since, notice };
}

/** The state to keep: the override's first sighting while it is in force, nothing once it is lifted. */
export function withOverride(state: GuardState, o: Override | undefined, since: string | undefined): GuardState {
  if (o && since) state.override = { value: overrideFingerprint(o), since };
  else delete state.override;
  return state;
}
