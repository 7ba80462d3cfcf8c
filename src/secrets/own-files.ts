import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Files the guard writes where a checkout can put things first (the project
 * directory on GitLab, a reports directory): a link committed in the file's
 * place, or in its directory's, must never carry the guard's text elsewhere.
 * The directory must be a real one (made if missing); the text goes to a new
 * file beside the target (O_EXCL never follows a link) and is renamed over
 * it, which replaces a link instead of writing through it.
 */

const NEW_FILE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);

export class PlantedLinkError extends Error {}

function realDirectory(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.lstatSync(dir).isSymbolicLink())
    throw new PlantedLinkError(
      `refusing to write into ${dir}: it is a symbolic link (a checkout must not redirect the guard's files); remove it`,
    );
}

/** Write `data` to `file`, replacing whatever is there (a link included) without following it. */
export function replaceFileSync(file: string, data: string | Buffer): void {
  realDirectory(path.dirname(file));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, NEW_FILE, 0o644);
  try {
    fs.writeFileSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export async function replaceFile(file: string, data: string | Buffer): Promise<void> {
  replaceFileSync(file, data);
}
