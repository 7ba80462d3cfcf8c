/**
 * Text from the network is hostile: a proxy's version string or error body,
 * an HTTP status text, a certificate field, the go command quoting any of
 * them. A line break in it can start a workflow command (`::set-output`) or a
 * fake log line, a terminal escape can repaint the screen, a bidi override can
 * make a line read as something else. Such text is cut to one clean line
 * where it enters the engine, so nothing downstream (log, annotation, output,
 * report, chat) ever holds more than that.
 */

/** Long enough for any real error line, short enough that a 1 MiB error body never reaches a report. */
export const UPSTREAM_TEXT_MAX_CHARS = 500;

/** Every line break a terminal, the runner or a renderer honours: CR, LF, VT, FF, NEL, LS, PS. */
const LINE_BREAKS = /\r\n|[\t\n\v\f\r\u0085\u2028\u2029]/g;

/**
 * The rest of C0 and C1, DEL, and the bidi marks, embeddings, overrides and
 * isolates ("Trojan Source"): never meaningful in a one-line message.
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * One line, no control characters, whitespace runs collapsed, at most
 * `maxChars` (ending in "…", never half a surrogate pair).
 */
export function oneLine(text: string, maxChars: number = UPSTREAM_TEXT_MAX_CHARS): string {
  const flat = text.replace(LINE_BREAKS, ' ').replace(CONTROLS, '').replace(/ {2,}/g, ' ').trim();
  if (flat.length <= maxChars) return flat;
  let end = Math.max(0, maxChars - 1);
  const last = flat.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${flat.slice(0, end)}…`;
}
