import { createHash } from 'node:crypto';
import yauzl from 'yauzl';

/**
 * go.sum's `h1:` hashes (golang.org/x/mod/sumdb/dirhash.Hash1): the SHA-256 of
 * the lines "<hex sha256>  <name>\n", one per file sorted by name, in base64.
 * A module zip hashes its entries; a go.mod hashes as the one file "go.mod".
 */
export function hash1OfDigests(files: ReadonlyArray<{ name: string; sha256: string }>): string {
  const lines = [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join('');
  return `h1:${createHash('sha256').update(lines).digest('base64')}`;
}

export const hashGoMod = (content: Buffer): string =>
  hash1OfDigests([{ name: 'go.mod', sha256: createHash('sha256').update(content).digest('hex') }]);

/** The h1: hash of a module zip on disk, each entry streamed through SHA-256 (zips reach 500 MiB). */
export function hashModuleZip(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) return reject(new Error(`not a readable zip (${err?.message ?? 'no zip'})`));
      const digests: { name: string; sha256: string }[] = [];
      const fail = (e: Error) => {
        if (zip.isOpen) zip.close();
        reject(e);
      };
      zip.on('error', fail);
      zip.on('end', () => resolve(hash1OfDigests(digests)));
      zip.on('entry', (entry: yauzl.Entry) => {
        // Hash1 refuses names with newlines: so does go, the zip is unusable.
        if (entry.fileName.includes('\n')) return fail(new Error('an entry name holds a newline'));
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e ?? new Error('unreadable entry'));
          const hash = createHash('sha256');
          stream.on('data', (chunk: Buffer) => hash.update(chunk));
          stream.on('error', fail);
          stream.on('end', () => {
            digests.push({ name: entry.fileName, sha256: hash.digest('hex') });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** go.sum lines, "<path> <version>[/go.mod]" -> every h1: hash recorded for it. */
export type SumTable = Map<string, Set<string>>;

export function parseGoSum(content: string, into: SumTable = new Map()): SumTable {
  for (const line of content.split('\n')) {
    const [mod, version, hash] = line.trim().split(/\s+/);
    if (!mod || !version || !hash?.startsWith('h1:')) continue;
    const id = `${mod} ${version}`;
    if (!into.has(id)) into.set(id, new Set());
    into.get(id)?.add(hash);
  }
  return into;
}
