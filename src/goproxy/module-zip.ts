import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { hash1 } from './dirhash.js';

const MiB = 1 << 20;

/**
 * The go command's limits on a module zip, from golang.org/x/mod/zip
 * (zip.go): MaxZipFile (500 MiB) for the zip file and, in checkZip, for the
 * total uncompressed size of its files; MaxGoMod and MaxLICENSE (16 MiB) for
 * the go.mod and LICENSE at the module root. go sets no entry count: the
 * count is bounded by the room each entry takes in a zip of MaxZipFile bytes
 * (ENTRY_MIN_BYTES).
 */
export const MODULE_ZIP_LIMITS = {
  zipBytes: 500 * MiB,
  uncompressedBytes: 500 * MiB,
  goModBytes: 16 * MiB,
  licenseBytes: 16 * MiB,
} as const;

/**
 * Zip files are hashed from memory, each entry inflated in one synchronous
 * call (a module holds thousands of small files: a stream, or zlib's async
 * calls, per entry cost twice the CPU of the inflating itself); the event
 * loop gets a turn every YIELD_MS. The zips being hashed at once hold at most
 * ZIPS_IN_MEMORY bytes: a check waits its turn (hashing is CPU-bound, so
 * waiting costs little), and only a zip larger than that alone, or an entry
 * that inflates past ENTRY_IN_MEMORY, streams chunk by chunk. 32 checks in
 * flight on 40 MB zips must not hold them all: the prefetch's peak memory
 * stays under 150 MiB.
 */
const ZIPS_IN_MEMORY = 32 * MiB;
let zipBytesHeld = 0;
const waitingForMemory: (() => void)[] = [];
const ENTRY_IN_MEMORY = 16 * MiB;
const YIELD_MS = 20;

/** A local file header (30 bytes) and a central directory header (46), each before the entry's name. */
const ENTRY_MIN_BYTES = 30 + 46;
const LOCAL_HEADER_BYTES = 30;

/** A zip the go command would refuse, or one whose layout would make checking it unbounded work. */
export class ZipRefused extends Error {
  readonly code = 'ZIP_REFUSED';
}

export type ZipSource = { file: string } | { buffer: Buffer };

export interface ModuleZipFacts {
  entries: number;
  /** The entries' declared uncompressed sizes, summed: what hashing reads at most. */
  uncompressedBytes: number;
  /** dirhash.HashZip's `h1:`, when asked for. */
  h1?: string;
}

/** What the central directory says of one entry, and no more (a zip may hold millions). */
interface EntryRecord {
  name: Buffer;
  relativeOffsetOfLocalHeader: number;
  compressedSize: number;
  uncompressedSize: number;
  compressionMethod: number;
  crc32: number;
  /** Bit 3: sizes and CRC follow the data (go then always compares the CRC). */
  dataDescriptor: boolean;
}

/**
 * Check a module zip before anything uses it, in bounded work: the zip's
 * size, every entry under `<module>@<version>/`, no name twice, go.mod and
 * LICENSE within go's limits, the declared uncompressed total within
 * MaxZipFile, and no two entries sharing bytes (a zip bomb points thousands
 * of entries at one deflated run). All of that from the central directory,
 * without inflating a byte. Then, asked to, hash it as dirhash.HashZip does,
 * inflating chunk by chunk: an entry that yields more or fewer bytes than it
 * declares, or fails its CRC as go would see it, is refused, and `signal`
 * (the request's deadline) stops the work between chunks. Throws ZipRefused,
 * or the signal's reason.
 */
export async function checkModuleZip(
  source: ZipSource,
  id: { module: string; version: string },
  opts: { hash?: boolean; signal?: AbortSignal } = {},
): Promise<ModuleZipFacts> {
  const held = 'buffer' in source ? undefined : await holdFileBytes(source.file, opts.hash === true, opts.signal);
  const bytes = 'buffer' in source ? source.buffer : held;
  try {
    return await checkZip(bytes ? { buffer: bytes } : source, bytes, id, opts);
  } finally {
    if (held) releaseFileBytes(held.length);
  }
}

async function checkZip(
  source: ZipSource,
  bytes: Buffer | undefined,
  id: { module: string; version: string },
  opts: { hash?: boolean; signal?: AbortSignal },
): Promise<ModuleZipFacts> {
  const zip = await openZip(source);
  try {
    const prefix = Buffer.from(`${id.module}@${id.version}/`, 'utf8');
    if (zip.fileSize > MODULE_ZIP_LIMITS.zipBytes) throw new ZipRefused(`is ${zip.fileSize} bytes, more than go's 500 MiB (MaxZipFile)`);
    const most = Math.floor(zip.fileSize / (ENTRY_MIN_BYTES + 2 * prefix.length));
    if (zip.entryCount > most)
      throw new ZipRefused(`claims ${zip.entryCount} entries; a zip of ${zip.fileSize} bytes holds at most ${most}`);
    const entries = await readCentralDirectory(zip, prefix, opts.signal);
    overlapProblem(entries);
    const facts = { entries: entries.length, uncompressedBytes: entries.reduce((n, e) => n + e.uncompressedSize, 0) };
    if (!opts.hash) return facts;
    const digests: { name: Buffer; sha256: string }[] = [];
    let turn = performance.now();
    for (const e of entries) {
      if (performance.now() - turn > YIELD_MS) {
        await yieldToEvents();
        turn = performance.now();
      }
      if (opts.signal?.aborted) throw opts.signal.reason;
      const inMemory = bytes && e.uncompressedSize <= ENTRY_IN_MEMORY;
      digests.push({ name: e.name, sha256: inMemory ? hashEntryInMemory(bytes, e) : await hashEntry(zip, e, opts.signal) });
    }
    return { ...facts, h1: hash1(digests) };
  } finally {
    if (zip.isOpen) zip.close();
  }
}

/**
 * A zip file to hash, read whole once what ZIPS_IN_MEMORY has left fits it
 * (counted until the caller gives it back); undefined for a zip larger than
 * that alone, or when only the layout is checked.
 */
async function holdFileBytes(file: string, hashing: boolean, signal: AbortSignal | undefined): Promise<Buffer | undefined> {
  if (!hashing) return undefined;
  const size = (await fs.stat(file)).size;
  if (size > ZIPS_IN_MEMORY) return undefined;
  while (zipBytesHeld + size > ZIPS_IN_MEMORY) {
    if (signal?.aborted) throw signal.reason;
    await new Promise<void>((resolve) => {
      const wake = () => {
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      waitingForMemory.push(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
  if (signal?.aborted) throw signal.reason;
  zipBytesHeld += size;
  try {
    const bytes = await fs.readFile(file);
    zipBytesHeld += bytes.length - size;
    return bytes;
  } catch (err) {
    releaseFileBytes(size);
    throw err;
  }
}

/** Give back what a zip held, and let the checks waiting for memory try again. */
function releaseFileBytes(size: number): void {
  zipBytesHeld -= size;
  for (const wake of waitingForMemory.splice(0)) wake();
}

function openZip(source: ZipSource): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip?: yauzl.ZipFile) =>
      err || !zip ? reject(new ZipRefused(`is not a readable zip (${err?.message ?? 'no zip'})`)) : resolve(zip);
    if ('file' in source) yauzl.open(source.file, options, done);
    else yauzl.fromBuffer(source.buffer, options, done);
  });
}

/** Every entry's record, each checked as it is read; the first problem refuses the zip. */
function readCentralDirectory(zip: yauzl.ZipFile, prefix: Buffer, signal: AbortSignal | undefined): Promise<EntryRecord[]> {
  return new Promise((resolve, reject) => {
    const entries: EntryRecord[] = [];
    const names = new Set<string>();
    let total = 0;
    let settled = false;
    const fail = (e: unknown) => {
      if (!settled) reject(e);
      settled = true;
    };
    zip.on('entry', (entry: yauzl.Entry) => {
      if (signal?.aborted) return fail(signal.reason);
      const record = recordOf(entry);
      total += record.uncompressedSize;
      const problem = entryProblem(record, prefix, names) ?? (total > MODULE_ZIP_LIMITS.uncompressedBytes ? TOO_LARGE : undefined);
      if (problem) return fail(new ZipRefused(problem));
      entries.push(record);
      zip.readEntry();
    });
    zip.on('end', () => {
      if (!settled) resolve(entries);
      settled = true;
    });
    zip.on('error', (e: Error) => fail(new ZipRefused(`is damaged (${e.message})`)));
    zip.readEntry();
  });
}

const TOO_LARGE = "declares more than go's 500 MiB (MaxZipFile) of uncompressed content";

function recordOf(entry: yauzl.Entry): EntryRecord {
  return {
    // A copy: the entry's own buffer also holds its extra field and comment.
    name: Buffer.from(entry.fileName as unknown as Buffer),
    relativeOffsetOfLocalHeader: entry.relativeOffsetOfLocalHeader,
    compressedSize: entry.compressedSize,
    uncompressedSize: entry.uncompressedSize,
    compressionMethod: entry.compressionMethod,
    crc32: entry.crc32,
    dataDescriptor: (entry.generalPurposeBitFlag & 0x8) !== 0,
  };
}

/** What golang.org/x/mod/zip's checkZip (or reading the entry at all) would refuse in this entry; `names` collects the names seen. */
function entryProblem(e: EntryRecord, prefix: Buffer, names: Set<string>): string | undefined {
  const shown = JSON.stringify(e.name.toString('utf8').slice(0, 120));
  if (!e.name.subarray(0, prefix.length).equals(prefix)) return `holds ${shown}, outside ${prefix.toString('utf8')}`;
  if (e.name.includes(0x0a)) return `holds ${shown}, a name with a newline (dirhash cannot hash it)`;
  const key = e.name.toString('latin1');
  if (names.has(key)) return `holds ${shown} twice`;
  names.add(key);
  if (e.compressionMethod !== 0 && e.compressionMethod !== 8)
    return `holds ${shown} compressed with method ${e.compressionMethod} (only stored and deflated are read)`;
  if (e.compressionMethod === 0 && e.compressedSize !== e.uncompressedSize) return `holds ${shown}, stored with two different sizes`;
  const rest = e.name.subarray(prefix.length).toString('utf8');
  if (rest === 'go.mod' && e.uncompressedSize > MODULE_ZIP_LIMITS.goModBytes) return "holds a go.mod larger than go's 16 MiB (MaxGoMod)";
  if (rest === 'LICENSE' && e.uncompressedSize > MODULE_ZIP_LIMITS.licenseBytes)
    return "holds a LICENSE larger than go's 16 MiB (MaxLICENSE)";
  return undefined;
}

/**
 * No two entries may share bytes. Each entry takes at least its local
 * header and its compressed data, so the next entry (by offset) must start
 * past both; then the inflated input, summed over all entries, is at most
 * the zip's own size.
 */
function overlapProblem(entries: EntryRecord[]): void {
  const byOffset = [...entries].sort((a, b) => a.relativeOffsetOfLocalHeader - b.relativeOffsetOfLocalHeader);
  for (let i = 1; i < byOffset.length; i++) {
    const [a, b] = [byOffset[i - 1] as EntryRecord, byOffset[i] as EntryRecord];
    if (a.relativeOffsetOfLocalHeader + LOCAL_HEADER_BYTES + a.compressedSize > b.relativeOffsetOfLocalHeader) {
      const name = (e: EntryRecord) => JSON.stringify(e.name.toString('utf8').slice(0, 120));
      throw new ZipRefused(`has entries that overlap (${name(a)} and ${name(b)} share bytes, as in a zip bomb)`);
    }
  }
}

/** One entry's SHA-256, inflated chunk by chunk, its size and CRC checked as go's archive/zip checks them. */
function hashEntry(zip: yauzl.ZipFile, e: EntryRecord, signal: AbortSignal | undefined): Promise<string> {
  const shown = JSON.stringify(e.name.toString('utf8').slice(0, 120));
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    zip.readLocalFileHeader(e as unknown as yauzl.Entry, { minimal: true }, (err, header) => {
      if (err) return reject(new ZipRefused(`is damaged at ${shown} (${err.message})`));
      const { compressedSize: size, uncompressedSize: declared } = e;
      zip.openReadStreamLowLevel(header.fileDataStart, size, 0, size, e.compressionMethod === 8, declared, (err2, stream) => {
        if (err2 || !stream) return reject(new ZipRefused(`is damaged at ${shown} (${err2?.message ?? 'unreadable'})`));
        const sha = createHash('sha256');
        let [read, crc, settled] = [0, 0, false];
        const settle = (outcome: () => void) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          outcome();
        };
        const stop = (why: unknown) =>
          settle(() => {
            stream.destroy();
            reject(why);
          });
        const onAbort = () => stop(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (signal?.aborted) return onAbort();
        stream.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > declared) return stop(new ZipRefused(`holds ${shown}, which inflates past the ${declared} bytes it declares`));
          sha.update(chunk);
          crc = crc32(chunk, crc);
        });
        stream.on('error', (x: Error) => stop(new ZipRefused(`is damaged at ${shown} (${x.message})`)));
        stream.on('end', () => {
          if (read !== declared) return stop(new ZipRefused(`holds ${shown}, ${read} bytes where it declares ${declared}`));
          // archive/zip compares a CRC of 0 only when a data descriptor follows the data.
          if ((e.crc32 !== 0 || e.dataDescriptor) && crc >>> 0 !== e.crc32 >>> 0) return stop(new ZipRefused(`checksum error in ${shown}`));
          settle(() => resolve(sha.digest('hex')));
        });
      });
    });
  });
}

/**
 * One entry's SHA-256 from a zip held in memory: its local header read in
 * place, the data inflated in one call that may not yield more than the
 * entry declares (the central directory was checked, so that is bounded),
 * size and CRC checked as go's archive/zip checks them.
 */
function hashEntryInMemory(zip: Buffer, e: EntryRecord): string {
  const shown = JSON.stringify(e.name.toString('utf8').slice(0, 120));
  const at = e.relativeOffsetOfLocalHeader;
  if (at + LOCAL_HEADER_BYTES > zip.length || zip.readUInt32LE(at) !== 0x04034b50)
    throw new ZipRefused(`is damaged at ${shown} (no local file header where the central directory points)`);
  const start = at + LOCAL_HEADER_BYTES + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  if (start + e.compressedSize > zip.length) throw new ZipRefused(`is damaged at ${shown} (its data runs past the end of the zip)`);
  const raw = zip.subarray(start, start + e.compressedSize);
  let data: Buffer;
  try {
    // One output chunk the size of the whole entry, and not a byte more.
    const room = Math.max(1, e.uncompressedSize);
    data = e.compressionMethod === 8 ? inflateRawSync(raw, { maxOutputLength: room, chunkSize: Math.max(64, room) }) : raw;
  } catch (err) {
    const past = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new ZipRefused(
      past
        ? `holds ${shown}, which inflates past the ${e.uncompressedSize} bytes it declares`
        : `is damaged at ${shown} (${(err as Error).message})`,
    );
  }
  if (data.length !== e.uncompressedSize)
    throw new ZipRefused(`holds ${shown}, ${data.length} bytes where it declares ${e.uncompressedSize}`);
  if ((e.crc32 !== 0 || e.dataDescriptor) && crc32(data) >>> 0 !== e.crc32 >>> 0) throw new ZipRefused(`checksum error in ${shown}`);
  return createHash('sha256').update(data).digest('hex');
}
