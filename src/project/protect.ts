import * as fs from 'node:fs/promises';

/**
 * The go command may rewrite go.mod/go.sum while downloading (it bumps stale
 * requirements and records hashes); the user's files must end as they began.
 */
export async function withFilesUnchanged<T>(files: string[], fn: () => Promise<T>): Promise<T> {
  const before = new Map<string, Buffer | undefined>();
  for (const f of files) before.set(f, await fs.readFile(f).catch(() => undefined));
  try {
    return await fn();
  } finally {
    for (const [f, content] of before) {
      const now = await fs.readFile(f).catch(() => undefined);
      if (content === undefined) {
        if (now !== undefined) await fs.rm(f, { force: true });
      } else if (!now || !now.equals(content)) {
        await fs.writeFile(f, content);
      }
    }
  }
}
