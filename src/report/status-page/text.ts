import { oneLine } from '../../diagnosis/untrusted-text.js';
import { redactUrl } from '../../secrets/secrets.js';
import { clip, escapeHtml, mdLinkTarget, scrubCredentials } from '../escape.js';

/**
 * Text on the status page, made inert for HTML: one clean line (the
 * untrusted-text rule), no credentials, within `max` characters, escaped for
 * an element or a quoted attribute alike. Everything dynamic goes through here.
 */
export function pageText(text: string, max = 300): string {
  return escapeHtml(clip(scrubCredentials(oneLine(text, max * 2)), max));
}

/** A proxy URL as shown: credentials redacted even if masking missed them. */
export const pageUrl = (url: string): string => pageText(redactUrl(url), 200);

/** A link target: http(s) only, no credentials, escaped for an attribute; undefined for anything else. */
export function pageHref(url: string | null | undefined): string | undefined {
  const target = mdLinkTarget(url ?? undefined);
  return target === undefined ? undefined : escapeHtml(target);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** "1 Dec 2026 03:17 UTC": unambiguous in every locale, the same for every viewer. */
export function utc(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** "24 Nov 10:16": an axis label, where the year and zone are said elsewhere. */
export function utcShort(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** "03:17" when the day is already said. */
export const utcClock = (ms: number): string => {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};

/** How long ago, coarse on purpose ("3 h ago"); RELATIVE_SCRIPT says the same in the browser. */
export function relative(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

/**
 * The page's only script, allowed by its hash and nothing else: relative
 * times as of the moment the page is looked at (a wall display keeps a page
 * open for days), and the stale warning when the checks stopped updating it.
 * Without it the page still reads right, as of when it was generated.
 */
export const RELATIVE_SCRIPT = `(function () {
  var root = document.documentElement, now = Date.now();
  function rel(ms) {
    var min = Math.round(ms / 60000);
    if (min < 1) return 'just now';
    if (min < 60) return min + ' min ago';
    var h = Math.round(min / 60);
    if (h < 48) return h + ' h ago';
    return Math.round(h / 24) + ' d ago';
  }
  document.querySelectorAll('time[data-rel]').forEach(function (t) {
    var at = Date.parse(t.getAttribute('datetime'));
    if (!isNaN(at)) t.textContent = rel(now - at);
  });
  var age = now - Date.parse(root.getAttribute('data-generated'));
  var staleAfter = Number(root.getAttribute('data-stale-after'));
  var banner = document.getElementById('stale');
  if (banner && staleAfter > 0 && age > staleAfter) {
    banner.querySelector('[data-age]').textContent = rel(age).replace(' ago', '');
    banner.hidden = false;
  }
})();`;

/** A time people read both ways: relative (kept current by the script) with the UTC time beside it. */
export function timeAgo(ms: number, now: number): string {
  const iso = new Date(ms).toISOString();
  return `<time datetime="${iso}" data-rel title="${utc(ms)}">${relative(now - ms)}</time>`;
}
