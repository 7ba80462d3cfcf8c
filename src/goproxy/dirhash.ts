import { createHash } from 'node:crypto';

/**
 * go.sum's `h1:` (golang.org/x/mod/sumdb/dirhash Hash1): the SHA-256 of a
 * summary with one line `<hex sha256>  <name>\n` per file, names in byte
 * order (a name is the bytes the zip holds, as Go's strings are), in base64.
 * dirhash refuses a name with a newline, and so does this.
 */
export function hash1(files: ReadonlyArray<{ name: Buffer; sha256: string }>): string {
  const sorted = [...files].sort((a, b) => Buffer.compare(a.name, b.name));
  const summary = createHash('sha256');
  for (const f of sorted) {
    if (f.name.includes(0x0a)) throw new Error('dirhash: filenames with newlines are not supported');
    summary.update(`${f.sha256}  `).update(f.name).update('\n');
  }
  return `h1:${summary.digest('base64')}`;
}

/** The h1: go.sum records for `<module> <version>/go.mod`: Hash1 over the single file "go.mod". */
export function goModHash(data: Buffer): string {
  return hash1([{ name: Buffer.from('go.mod'), sha256: createHash('sha256').update(data).digest('hex') }]);
}
