import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Files the guard keeps for itself on a machine other users share: in
 * directories only this user can enter, created without following a link
 * someone left where the file is to be.
 */

const NEW_FILE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0);

/**
 * A directory only this user may enter, at a name a later shell can find
 * again (`serve --stop`). It must not exist as anything else: a link, or a
 * directory another user made there first, is refused.
 */
export function ensurePrivateDir(dir: string): string {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory())
    throw new Error(`${dir} is not a directory (a link or file is in its place); remove it or choose another directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new Error(`${dir} belongs to another user (uid ${st.uid}); remove it or choose another directory`);
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  return dir;
}

/** This user's own directory under the system temp directory: predictable for us, closed to everyone else. */
export function userTempDir(tmp = os.tmpdir()): string {
  return ensurePrivateDir(path.join(tmp, `go-proxy-guard-${process.getuid?.() ?? os.userInfo().username}`));
}

/** A fresh directory nobody can predict, mode 0700, under `parent`. */
export function makePrivateTempDir(parent: string, prefix: string): string {
  fs.mkdirSync(parent, { recursive: true, mode: 0o700 });
  return fs.mkdtempSync(path.join(parent, prefix));
}

/**
 * Write `data` to `file` (mode 0600): into a new file first, then renamed
 * over `file`. A link at `file` is replaced, never followed.
 */
export function writePrivateFile(file: string, data: string): void {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, NEW_FILE, 0o600);
  try {
    fs.writeSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Open a new file for writing (mode 0600); fails if anything, a link included, is already there. */
export function openNewPrivateFile(file: string): number {
  return fs.openSync(file, NEW_FILE, 0o600);
}
