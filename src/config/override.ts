import { createHash } from 'node:crypto';
import { redactUrl } from '../secrets/secrets.js';
import { InputError } from './errors.js';
import { parseProxies } from './proxies.js';

/**
 * The emergency switch: one variable, set once for a whole organisation or
 * group, changes the proxies of every pipeline without editing a workflow.
 * It holds candidate proxies, `direct`, or `off` (the CI cache and vendor/
 * only). An explicit `override` input wins over the variable.
 */
export const OVERRIDE_VARIABLE = 'GO_PROXY_GUARD_OVERRIDE';

export type Override =
  { mode: 'proxies'; proxies: string[]; value: string; source: string } | { mode: 'direct' | 'off'; value: string; source: string };

/** Where the value came from, for "set by ...": the input, or the variable. */
export function parseOverride(input: string | undefined, env: NodeJS.ProcessEnv): Override | undefined {
  const fromInput = (input ?? '').trim();
  const fromEnv = (env[OVERRIDE_VARIABLE] ?? '').trim();
  const value = fromInput || fromEnv;
  if (!value) return undefined;
  const source = fromInput ? 'input "override"' : `variable ${OVERRIDE_VARIABLE}`;
  const name = fromInput ? 'override' : OVERRIDE_VARIABLE;
  const word = value.toLowerCase();
  if (word === 'direct' || word === 'off') return { mode: word, value: word, source };
  try {
    const proxies = parseProxies(value);
    return { mode: 'proxies', proxies, value, source };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    // parseProxies names "proxies"; the value to fix is the override's. Credentials stay out of the message.
    throw new InputError(name, redactUrl(err.value), 'must be proxy URLs (comma- or newline-separated), "direct" or "off"');
  }
}

/** The loud line: log, summary and alerts all say the same. */
export function overrideNotice(o: Override, since: string, shown: (url: string) => string = (u) => u): string {
  const what =
    o.mode === 'proxies'
      ? `proxies ${o.proxies.map(shown).join(', ')}`
      : o.mode === 'direct'
        ? 'direct (no proxy)'
        : 'off (CI cache and vendor/ only)';
  return `OVERRIDE: ${what}; override in force since ${since}, set by ${o.source}. Remove it to return to the configured proxies.`;
}

/** What the state keeps to tell one override value from another: a hash, since a value may hold proxy credentials. */
export const overrideFingerprint = (o: Override): string => createHash('sha256').update(o.value).digest('hex').slice(0, 16);
