import yauzl from 'yauzl';
import { failure, type Failure } from '../diagnosis/failure.js';
import { hasZipMagic } from '../goproxy/answer-shape.js';
import type { HeldBody } from './body.js';

/**
 * A module zip as the go command will accept it: a readable zip whose every
 * entry sits under `<module>@<version>/` (golang.org/x/mod/zip). Checked from
 * the central directory, without extracting or holding the file. The content
 * itself is for the go command to judge against go.sum and the checksum
 * database: bytes are never altered here.
 */
export async function zipLayoutProblem(body: HeldBody, module: string, version: string): Promise<Failure | undefined> {
  const id = `${module}@${version}`;
  if (!hasZipMagic(body.head)) return failure('corrupt-zip', `${id}.zip is not a zip archive`);
  const prefix = `${id}/`;
  const options = { lazyEntries: true, autoClose: true, decodeStrings: true, validateEntrySizes: false };
  const open = (cb: (err: Error | null, zip?: yauzl.ZipFile) => void) =>
    body.file ? yauzl.open(body.file, options, cb) : yauzl.fromBuffer(body.memory ?? Buffer.alloc(0), options, cb);
  return new Promise((resolve) => {
    open((err, zip) => {
      if (err || !zip) return resolve(failure('corrupt-zip', `${id}.zip is not a readable zip (${err?.message ?? 'no zip'})`));
      let settled = false;
      const settle = (result: Failure | undefined) => {
        if (settled) return;
        settled = true;
        if (zip.isOpen) zip.close();
        resolve(result);
      };
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.startsWith(prefix)) {
          return settle(failure('corrupt-zip', `${id}.zip holds ${JSON.stringify(entry.fileName.slice(0, 120))}, outside ${prefix}`));
        }
        zip.readEntry();
      });
      zip.on('end', () => settle(undefined));
      zip.on('error', (e: Error) => settle(failure('corrupt-zip', `${id}.zip is damaged (${e.message})`)));
      zip.readEntry();
    });
  });
}
