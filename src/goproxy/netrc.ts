import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/** One netrc line as the go command keeps it (cmd/go/internal/auth/netrc.go): machine, login, password. */
export interface NetrcEntry {
  machine: string;
  login: string;
  password: string;
}

/**
 * go's parser, line by line: tokens in pairs, an entry once machine, login
 * and password are all set, a macdef's body skipped to the next empty line,
 * and nothing after `default` (go sends no credentials to arbitrary hosts).
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  let l = { machine: '', login: '', password: '' };
  let inMacro = false;
  for (const line of text.split('\n')) {
    if (inMacro) {
      if (line === '') inMacro = false;
      continue;
    }
    const f = line.split(/\s+/).filter(Boolean);
    let i = 0;
    for (; i < f.length - 1; i += 2) {
      const [key, value] = [f[i], f[i + 1] as string];
      if (key === 'machine') l = { machine: value, login: '', password: '' };
      else if (key === 'login') l.login = value;
      else if (key === 'password') l.password = value;
      else if (key === 'macdef') inMacro = true;
      if (l.machine && l.login && l.password) {
        entries.push(l);
        l = { machine: '', login: '', password: '' };
      }
    }
    if (i < f.length && f[i] === 'default') break;
  }
  return entries;
}

/** netrc lines as the go command reads them back. */
export function formatNetrc(entries: readonly NetrcEntry[]): string {
  return entries.map((e) => `machine ${e.machine} login ${e.login} password ${e.password}\n`).join('');
}

/** Where the go command reads netrc: $NETRC, else ~/.netrc. */
export function netrcPath(env: NodeJS.ProcessEnv): string {
  return env.NETRC || path.join(env.HOME || os.homedir(), '.netrc');
}

/** The netrc lines the go command would read. */
export async function readNetrc(env: NodeJS.ProcessEnv): Promise<NetrcEntry[]> {
  const text = await fs.readFile(netrcPath(env), 'utf8').catch(() => '');
  return parseNetrc(text);
}

/** A netrc line go 1.24+ matches against `url`: its prefix without the scheme (host[:port][/path]). */
export function netrcMachineFor(url: URL): string {
  return `${url.host}${url.pathname}`.replace(/\/+$/, '');
}
