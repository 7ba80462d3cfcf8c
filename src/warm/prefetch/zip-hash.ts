import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

/**
 * golang.org/x/mod/sumdb/dirhash Hash1: the SHA-256 of a summary with one
 * line `<hex sha256>  <name>\n` per file, names in byte order.
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

/**
 * dirhash.HashZip of a module zip on disk, streamed entry by entry (memory
 * stays flat whatever the size). Names are the raw bytes the zip holds, as
 * Go's archive/zip reads them; like Go's reader, a CRC or size that does not
 * match the data is an error, not a hash.
 */
export function hashZipFile(file: string): Promise<string> {
  return hashZip((options, cb) => yauzl.open(file, options, cb));
}

/** hashZipFile for a zip held in memory. */
export function hashZipBuffer(data: Buffer): Promise<string> {
  return hashZip((options, cb) => yauzl.fromBuffer(data, options, cb));
}

type OpenZip = (options: yauzl.Options, cb: (err: Error | null, zip?: yauzl.ZipFile) => void) => void;

function hashZip(open: OpenZip): Promise<string> {
  return new Promise((resolve, reject) => {
    open({ lazyEntries: true, autoClose: true, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('not a zip'));
      // HashZip keys entries by name: a duplicate name hashes the last entry's content twice.
      const digests = new Map<string, string>();
      const names: Buffer[] = [];
      const fail = (e: Error) => {
        if (zip.isOpen) zip.close();
        reject(e);
      };
      zip.on('error', fail);
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName as unknown as Buffer;
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e ?? new Error('unreadable entry'));
          const h = createHash('sha256');
          let crc = 0;
          stream.on('data', (chunk: Buffer) => {
            h.update(chunk);
            crc = crc32(chunk, crc);
          });
          stream.on('error', fail);
          stream.on('end', () => {
            if (crc >>> 0 !== entry.crc32 >>> 0) return fail(new Error(`zip: checksum error in ${name.toString('utf8').slice(0, 120)}`));
            names.push(name);
            digests.set(name.toString('latin1'), h.digest('hex'));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => {
        try {
          resolve(hash1(names.map((name) => ({ name, sha256: digests.get(name.toString('latin1')) as string }))));
        } catch (e) {
          reject(e as Error);
        }
      });
      zip.readEntry();
    });
  });
}
