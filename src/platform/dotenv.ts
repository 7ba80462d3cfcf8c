import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatGoproxy, parseGoproxy } from '../goproxy/chain.js';
import { withoutUserinfo } from '../goproxy/proxy-url.js';

/**
 * Exported variables as files and shell lines. A dotenv file is `NAME=value`
 * per line, unquoted: the form GitLab's artifacts:reports:dotenv, docker
 * --env-file and the dotenv libraries all read the same way.
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function dotenvText(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => {
      if (!NAME.test(name)) throw new Error(`cannot write ${JSON.stringify(name)} to a dotenv file: names are letters, digits and _`);
      if (/[\r\n]/.test(value)) throw new Error(`cannot write ${name} to a dotenv file: its value spans lines`);
      return `${name}=${value}\n`;
    })
    .join('');
}

export function writeDotenv(file: string, vars: Record<string, string>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, dotenvText(vars));
}

/** `export NAME='value'` for a POSIX shell to eval. */
export function exportLine(name: string, value: string): string {
  if (!NAME.test(name)) throw new Error(`cannot export ${JSON.stringify(name)}: names are letters, digits and _`);
  return `export ${name}='${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * GOPROXY without the user:password of its proxy URLs. Used where the value
 * is stored somewhere others can read (a GitLab dotenv report is a
 * downloadable artifact); the go command then finds credentials in netrc.
 */
export function withoutCredentials(goproxy: string): { value: string; hosts: string[] } {
  const hosts: string[] = [];
  const chain = parseGoproxy(goproxy).map((e) => {
    if (e.kind !== 'proxy') return e;
    const bare = withoutUserinfo(e.url);
    if (bare === e.url) return e;
    hosts.push(new URL(bare).hostname);
    return { ...e, url: bare.replace(/\/$/, e.url.endsWith('/') ? '/' : '') };
  });
  return { value: hosts.length ? formatGoproxy(chain) : goproxy, hosts };
}
