import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { readNetrc, type NetrcEntry } from './netrc.js';

/**
 * Proxy credentials as the go command (1.24+) finds them (cmd/go/internal/auth):
 * GOAUTH is a ";"-separated list of methods (off, netrc, git <dir>, or a
 * command); each yields request headers for URL prefixes (host[:port][/path],
 * no scheme), earlier methods and earlier netrc lines winning; a request gets
 * the headers of its longest matching prefix, over https only.
 */
export type GoAuthMethod = { kind: 'off' } | { kind: 'netrc' } | { kind: 'git'; dir: string } | { kind: 'command'; argv: string[] };

/** Headers by URL prefix: plain data, so it crosses to the local proxy over IPC. */
export interface Credentials {
  byPrefix: Record<string, Record<string, string>>;
  /** Methods that can be asked again for one URL after a 4xx (git, commands), with where to run them. */
  refresh: { methods: GoAuthMethod[]; cwd: string } | undefined;
}

export const NO_CREDENTIALS: Credentials = { byPrefix: {}, refresh: undefined };

export class GoAuthError extends Error {}

/** Parse GOAUTH as the go command does; its own errors for what it refuses. */
export function parseGoAuth(value: string): GoAuthMethod[] {
  const parts = value.split(';').map((p) => p.trim());
  return parts.map((command) => {
    const words = command.split(/\s+/).filter(Boolean);
    const [first] = words;
    if (first === undefined) throw new GoAuthError(`GOAUTH encountered an empty command (GOAUTH=${value})`);
    if (first === 'off') {
      if (parts.length !== 1) throw new GoAuthError(`GOAUTH=off cannot be combined with other authentication commands (GOAUTH=${value})`);
      return { kind: 'off' };
    }
    if (first === 'netrc') return { kind: 'netrc' };
    if (first === 'git') {
      const dir = words[1];
      if (words.length !== 2 || !dir || !path.isAbsolute(dir))
        throw new GoAuthError('GOAUTH=git dir method requires an absolute path to the git working directory');
      return { kind: 'git', dir };
    }
    return { kind: 'command', argv: splitQuoted(command) };
  });
}

/** cmd/internal/quoted.Split: words separated by spaces, a word may be quoted with ' or ". */
function splitQuoted(s: string): string[] {
  const words: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|(\S+))/g;
  for (const m of s.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  return words.filter((w, i) => w !== '' || i > 0);
}

/** The prefix key go stores and looks up: the URL without "https://" and a trailing "/". */
const prefixKey = (url: string) => url.replace(/^https:\/\//, '').replace(/\/$/, '');

/** The headers go would add to a request for `url` (its full string, user info included, as go uses it). */
export function credentialFor(creds: Credentials, url: URL): Record<string, string> | undefined {
  if (url.protocol !== 'https:') return undefined;
  let prefix = prefixKey(url.href);
  for (;;) {
    const found = creds.byPrefix[prefix];
    if (found) return found;
    const slash = prefix.lastIndexOf('/');
    if (slash < 0) return undefined;
    prefix = prefix.slice(0, slash);
  }
}

const basic = (login: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}` });

/** netrc lines as go stores them: by machine as a prefix, the first line of a machine winning. */
export function netrcCredentials(lines: readonly NetrcEntry[]): Credentials {
  const byPrefix: Record<string, Record<string, string>> = {};
  for (const l of [...lines].reverse()) byPrefix[prefixKey(l.machine)] = basic(l.login, l.password);
  return { byPrefix, refresh: undefined };
}

export interface GoAuthIo {
  env: NodeJS.ProcessEnv;
  /** The user's netrc lines, when the caller has read them already (else read from NETRC or ~/.netrc). */
  netrc?: readonly NetrcEntry[];
  /** Runs a method's command; stdout, or throws. */
  run?: (argv: string[], opts: { cwd?: string; input?: string }) => Promise<string>;
}

/**
 * The credentials go holds before its first fetch: netrc read and every
 * command run once without a URL, processed last to first so that earlier
 * ones win. Errors of a method leave it out, as go does.
 */
export async function loadCredentials(goauth: string, cwd: string, io: GoAuthIo): Promise<Credentials> {
  const methods = parseGoAuth(goauth || 'netrc');
  const byPrefix: Record<string, Record<string, string>> = {};
  for (const method of [...methods].reverse()) {
    if (method.kind === 'netrc') Object.assign(byPrefix, netrcCredentials(io.netrc ?? (await readNetrc(io.env))).byPrefix);
    else if (method.kind === 'command') {
      const out = await (io.run ?? runCommand)(method.argv, { cwd }).catch(() => '');
      Object.assign(byPrefix, parseCommandOutput(out));
    }
  }
  const refreshable = methods.filter((m) => m.kind === 'git' || m.kind === 'command');
  return { byPrefix, refresh: refreshable.length ? { methods: refreshable, cwd } : undefined };
}

/**
 * After a 4xx for `url`: run the git and command methods again with the URL,
 * as go does once per fetch. Returns the credentials with what they gave.
 */
export async function refreshCredentials(creds: Credentials, url: string, response: string, io: GoAuthIo): Promise<Credentials> {
  if (!creds.refresh) return creds;
  const byPrefix = { ...creds.byPrefix };
  for (const method of [...creds.refresh.methods].reverse()) {
    const run = io.run ?? runCommand;
    if (method.kind === 'command') {
      const out = await run([...method.argv, url], { cwd: creds.refresh.cwd, input: response }).catch(() => '');
      Object.assign(byPrefix, parseCommandOutput(out));
    } else if (method.kind === 'git') {
      const out = await run(['git', 'credential', 'fill'], { cwd: method.dir, input: `url=${url}\n` }).catch(() => '');
      const got = parseGitCredential(out);
      if (got && url.startsWith(got.prefix)) byPrefix[prefixKey(got.prefix)] = basic(got.username, got.password);
    }
  }
  return { ...creds, byPrefix };
}

/** A GOAUTH command's answer: blocks of https URLs, a blank line, header lines, a blank line. Malformed: nothing. */
export function parseCommandOutput(out: string): Record<string, Record<string, string>> {
  const result: Record<string, Record<string, string>> = {};
  const lines = out.split('\n');
  let i = 0;
  while (i < lines.length && !(i === lines.length - 1 && lines[i] === '')) {
    const urls: string[] = [];
    for (; i < lines.length && lines[i] !== ''; i++) urls.push(lines[i] as string);
    if (i++ >= lines.length) return {};
    const headers: Record<string, string> = {};
    for (; i < lines.length && lines[i] !== ''; i++) {
      const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+): (.*)$/.exec(lines[i] as string);
      if (!m?.[1] || m[2] === undefined || /[\r\n\0]/.test(m[2])) return {};
      headers[m[1]] = m[2].trim();
    }
    if (i++ >= lines.length) return {};
    for (const u of urls) {
      if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(u) && !u.startsWith('/')) return {};
      result[prefixKey(u)] = headers;
    }
  }
  return result;
}

function parseGitCredential(out: string): { prefix: string; username: string; password: string } | undefined {
  const fields: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const eq = line.trim().indexOf('=');
    if (eq > 0) fields[line.trim().slice(0, eq)] = line.trim().slice(eq + 1);
  }
  const { protocol, host, username, password } = fields;
  if (!protocol || !host || username === undefined || password === undefined) return undefined;
  return { prefix: `${protocol}://${host}${fields.path ? `/${fields.path}` : ''}`, username, password };
}

/** A method's command, bounded: a credential helper that hangs must not hold the job. */
function runCommand(argv: string[], opts: { cwd?: string; input?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (!file) return reject(new Error('empty command'));
    const child = execFile(file, args, { cwd: opts.cwd, timeout: 30_000, maxBuffer: 1 << 20 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
    // A helper that never reads its stdin may exit before we write: that is not an error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

/** Every secret a set of credentials holds, for masking: header values, and a Basic header's password. */
export function credentialSecrets(creds: Credentials): string[] {
  return Object.values(creds.byPrefix).flatMap((headers) =>
    Object.values(headers).flatMap((v) => {
      const m = /^Basic\s+(\S+)$/i.exec(v);
      if (!m?.[1]) return [v];
      const decoded = Buffer.from(m[1], 'base64').toString('utf8');
      const pass = decoded.slice(decoded.indexOf(':') + 1);
      return [v, m[1], ...(pass ? [pass] : [])];
    }),
  );
}
