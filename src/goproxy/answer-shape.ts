import { failure, type Failure } from '../diagnosis/failure.js';

/**
 * What a well-formed GOPROXY answer looks like, for the probe and the local
 * proxy alike: a 200 that is not what was asked for (a captive portal's HTML,
 * an .info for another version, a zip that is not a zip) is a broken proxy.
 */

export function looksLikeHtml(contentType: string, head: Buffer): boolean {
  return /text\/html/i.test(contentType) || /^\s*<(!doctype|html|head|body)/i.test(head.subarray(0, 256).toString('utf8'));
}

/** `@v/list`: one version per line (optionally followed by a timestamp). */
export function listShape(text: string): Failure | undefined {
  const versions = listVersions(text);
  if (versions.some((v) => !/^v\d/.test(v))) return failure('malformed', 'version list holds lines that are not versions');
  return undefined;
}

export function listVersions(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean) as string[];
}

/**
 * `.info` and `@latest`: JSON with a Version; an `.info` asked by canonical
 * version must name that version. The Version is read as the go command's
 * encoding/json reads it: any key equal to "Version" under case folding
 * counts ("version", "VERSION", "Verſion"), and the last one wins, so every
 * such key must name the version, not just the one spelt "Version".
 */
export function infoShape(text: string, what: string, wanted?: string): Failure | undefined {
  let info: unknown;
  try {
    info = JSON.parse(text);
  } catch {
    return failure('malformed', `${what} answer is not JSON`);
  }
  if (typeof info !== 'object' || info === null || Array.isArray(info)) return failure('malformed', `${what} answer is not a JSON object`);
  const versions = Object.entries(info)
    .filter(([key]) => foldsToVersion(key))
    .map(([, value]) => value);
  if (versions.length === 0 || versions.some((v) => typeof v !== 'string')) return failure('malformed', `${what} answer has no Version`);
  const named = [...new Set(versions as string[])];
  if (wanted !== undefined && named.some((v) => v !== wanted))
    return failure('version-mismatch', `asked for ${wanted}, got ${named.find((v) => v !== wanted)}`);
  if (named.length > 1) return failure('malformed', `${what} answer names ${named.length} different versions`);
  return undefined;
}

/**
 * Whether encoding/json matches `key` to the field Version: bytes.EqualFold,
 * where the only non-ASCII letter folding to one of "version" is "ſ" (U+017F,
 * to "s").
 */
function foldsToVersion(key: string): boolean {
  return key.length === 7 && key.replace(/\u017f/g, 's').toLowerCase() === 'version' && /^[A-Za-z\u017f]+$/.test(key);
}

/**
 * `.mod`: a go.mod file, which always has a module line (proxies synthesise
 * one for pre-module code). Line by line, in time linear in the text: a
 * pattern free to span blank lines took minutes on a megabyte of newlines.
 */
export function modShape(text: string, id: string): Failure | undefined {
  if (!/^[^\S\n]*module\s/m.test(text)) return failure('malformed', `go.mod for ${id} has no module line`);
  return undefined;
}

/** A zip starts with a local file header (or, empty, with the end record). */
export function hasZipMagic(head: Buffer): boolean {
  return head.length >= 4 && (head.readUInt32LE(0) === 0x04034b50 || head.readUInt32LE(0) === 0x06054b50);
}
