import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

/** ~/.netrc as the go command reads it (cmd/go/internal/auth/netrc.go): machine, login, password. */
export interface NetrcEntry {
  machine: string;
  login: string;
  password: string;
}

export function parseNetrc(text: string): NetrcEntry[] {
  const tokens = text.split(/\s+/).filter(Boolean);
  const entries: NetrcEntry[] = [];
  let current: Partial<NetrcEntry> | undefined;
  const flush = () => {
    if (current?.machine && current.login !== undefined && current.password !== undefined) {
      entries.push(current as NetrcEntry);
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === 'machine') {
      flush();
      current = { machine: tokens[++i] };
    } else if (t === 'default') {
      // The go command sends no credentials to arbitrary hosts; neither do we.
      flush();
      current = undefined;
    } else if (t === 'login' && current) current.login = tokens[++i];
    else if (t === 'password' && current) current.password = tokens[++i];
    else if (t === 'macdef') {
      flush();
      current = undefined;
      break; // a macro body runs to the end of the paragraph; nothing useful follows for us
    }
  }
  flush();
  return entries;
}

/** The first matching machine wins, as in the go command (cmd/go/internal/auth: the loop returns on a match). */
export function netrcFor(entries: NetrcEntry[], host: string): NetrcEntry | undefined {
  return entries.find((e) => e.machine === host);
}

/** Credentials as the go command finds them: $NETRC, else ~/.netrc. */
export async function readNetrc(env: NodeJS.ProcessEnv): Promise<NetrcEntry[]> {
  const file = env.NETRC || path.join(env.HOME || os.homedir(), '.netrc');
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return parseNetrc(text);
}
