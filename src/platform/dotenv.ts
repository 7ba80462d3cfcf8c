import { replaceFileSync } from '../secrets/own-files.js';

/**
 * Exported variables as files and shell lines. A dotenv file is `NAME=value`
 * per line, unquoted: the form GitLab's artifacts:reports:dotenv, docker
 * --env-file and the dotenv libraries all read the same way.
 */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * GitLab refuses a whole dotenv report past these (the upload fails, and the job with it): 5 KiB, and 20
 * variables on the smallest plan limit (self-managed default). A value cannot span lines there.
 */
export const DOTENV_LIMITS = { bytes: 5120, variables: 20 } as const;

/** A variable the dotenv file leaves out, and why: it says so rather than write a file GitLab rejects. */
export interface DotenvSkip {
  name: string;
  reason: string;
}

export interface Dotenv {
  text: string;
  skipped: DotenvSkip[];
}

/** Why a value cannot be one dotenv line, or undefined when it can. */
function unrepresentable(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return 'its value spans lines, and a dotenv report holds one line per variable';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0b-\x1f\x7f]/.test(value)) return 'its value holds control characters';
  return undefined;
}

/**
 * The dotenv text of `vars`, in their order. A value that is not one clean line, or that would take the file
 * past GitLab's limits, is left out and named in `skipped` (the caller says so in the log); the rest is written.
 * A bad name is a programming error and throws.
 */
export function dotenvText(vars: Record<string, string>, limits: { bytes: number; variables: number } = DOTENV_LIMITS): Dotenv {
  const lines: string[] = [];
  const skipped: DotenvSkip[] = [];
  let bytes = 0;
  for (const [name, value] of Object.entries(vars)) {
    if (!NAME.test(name)) throw new Error(`cannot write ${JSON.stringify(name)} to a dotenv file: names are letters, digits and _`);
    const line = `${name}=${value}\n`;
    const size = Buffer.byteLength(line);
    const reason =
      unrepresentable(value) ??
      (lines.length >= limits.variables
        ? `GitLab takes at most ${limits.variables} variables from a dotenv report`
        : bytes + size > limits.bytes
          ? `GitLab takes at most ${limits.bytes} bytes from a dotenv report`
          : undefined);
    if (reason) {
      skipped.push({ name, reason });
      continue;
    }
    lines.push(line);
    bytes += size;
  }
  return { text: lines.join(''), skipped };
}

/** Write the dotenv file; returns the variables it left out. */
export function writeDotenv(file: string, vars: Record<string, string>): DotenvSkip[] {
  const { text, skipped } = dotenvText(vars);
  replaceFileSync(file, text);
  return skipped;
}

/** `export NAME='value'` for a POSIX shell to eval. */
export function exportLine(name: string, value: string): string {
  if (!NAME.test(name)) throw new Error(`cannot export ${JSON.stringify(name)}: names are letters, digits and _`);
  return `export ${name}='${value.replace(/'/g, `'\\''`)}'`;
}
