import type { Secrets } from '../secrets/secrets.js';
import type { RawInputs } from './inputs.js';

/**
 * Register every credential the inputs hold before any input is checked:
 * the runner masks a value only in lines printed after its `::add-mask::`, so
 * an input error (`ftp://user:pw@x` for proxies) printed first would show it.
 * Raw values, read leniently: what the checks will refuse is registered too.
 */
export function registerSecretInputs(read: RawInputs, secrets: Secrets): void {
  // The emergency override holds candidate URLs as well.
  for (const name of ['proxies', 'override'] as const) {
    for (const entry of (read(name) ?? '').split(/[\s,|]+/)) if (entry) secrets.addUrl(entry);
  }
  for (const name of ['webhook-url', 'slack-webhook-url'] as const) {
    for (const line of (read(name) ?? '').split('\n')) secrets.add(line.trim());
  }
  secrets.add((read('webhook-secret') ?? '').trim());
}
