import * as fs from 'node:fs';
import * as path from 'node:path';

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
