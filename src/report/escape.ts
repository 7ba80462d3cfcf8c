/**
 * Escaping at exit, one place per output format. Text from the run (upstream
 * error bodies, go output, notes) is cleaned at entry (one line, no control
 * characters); here it is made inert for the format it lands in:
 * - Markdown with HTML (the job summary, serve.md, GitLab's report.md): no tag
 *   can close a <details> or open a <script>, nothing can make a heading, a
 *   link, a code span or split a table cell;
 * - XML (JUnit): text and attribute escaping, characters XML cannot carry.
 */

/** Credentials in free text (a note, a go error) that slipped past masking: keep the user name, hide the password. */
export function scrubCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]+@/gi, '$1:***@');
}

/** Cut to `max` characters with an ellipsis, never leaving half of a surrogate pair behind. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** One line, whatever the text held. */
export const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ');

export const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Any text, made safe to drop anywhere in GitHub-flavoured Markdown, a table
 * cell included: one line, within `max` characters, no credentials, no HTML,
 * no Markdown that would make a link, a code span, emphasis, a heading, a
 * list or a quote. Scrubbing comes before clipping so a password is never
 * left half visible.
 */
export function mdText(text: string, max = 500): string {
  const flat = clip(scrubCredentials(oneLine(text)).trim(), max);
  return escapeHtml(flat)
    .replace(/\\/g, '&#92;')
    .replace(/[`*_[\]|~!]/g, '\\$&')
    .replace(/^([#>+=-])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/** A code span that survives any backticks in the text. Not for table cells: GFM would split them on its "|". */
export function mdCode(text: string, max = 500): string {
  const flat = clip(scrubCredentials(oneLine(text)), max);
  const fence = '`'.repeat(Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A fenced block for multi-line output (the go command's own words): nothing inside is Markdown or HTML. */
export function mdFenced(text: string, max = 2000): string[] {
  const body = clip(scrubCredentials(text), max);
  const fence = '`'.repeat(Math.max(3, ...(body.match(/`+/g) ?? []).map((r) => r.length + 1)));
  return [`${fence}text`, body, fence];
}

/** Only http(s) links, without credentials, with nothing that could end the Markdown link early. */
export function mdLinkTarget(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    u.username = '';
    u.password = '';
    return u.href.replace(/\(/g, '%28').replace(/\)/g, '%29');
  } catch {
    return undefined;
  }
}

/** A <details> block; GitHub renders Markdown inside it only after a blank line. */
export function mdDetails(summary: string, body: string[]): string[] {
  return ['<details>', `<summary>${escapeHtml(oneLine(summary))}</summary>`, '', ...body, '', '</details>'];
}

/** Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/FFFF) become U+FFFD. */
const NOT_XML = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values also escape quotes, and whitespace that attribute normalisation would flatten. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
