import { randomUUID } from 'node:crypto';
import { constants as fsConstants, createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';

/**
 * An upstream answer held until it is validated: small bodies in memory,
 * anything larger spilled to a file, so a 200 MB zip costs disk, not memory.
 * Holding the whole answer before the first byte goes out is what lets a
 * reset mid-zip be retried without the go command ever seeing it.
 */
export interface HeldBody {
  size: number;
  /** The first bytes, for shape checks. */
  head: Buffer;
  /** The whole body, when it stayed in memory. */
  memory: Buffer | undefined;
  /** The spill file, when it did not. */
  file: string | undefined;
  stream(): Readable;
  dispose(): Promise<void>;
}

export const HEAD_BYTES = 512;

/** Free disk kept for everyone else: spilling stops before the disk gets this full. */
export const SPILL_RESERVE_BYTES = 64 * 1024 * 1024;
/** Free space is checked again after this many bytes spilled. */
const SPACE_CHECK_EVERY = 32 * 1024 * 1024;

/** More than the go command accepts for this kind of answer: a failure of the upstream. */
export class BodyTooLargeError extends Error {
  readonly code = 'TOO_LARGE';
  constructor(maxBytes: number, what: string) {
    super(`${what} is larger than the ${formatBytes(maxBytes)} the go command accepts`);
  }
}

/** The spill directory's disk is too full to hold the answer. */
export class NoSpaceError extends Error {
  readonly code = 'NO_SPACE';
  constructor(dir: string, needed: number, reserve: number) {
    super(`not enough free disk in ${dir} to hold ${formatBytes(needed)} more of an answer (keeping ${formatBytes(reserve)} free)`);
  }
}

export function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} bytes`;
}

export interface HoldOptions {
  spillDir: string;
  memoryLimit: number;
  bodyIdleMs: number;
  /** Reading stops, and the answer fails, past this many bytes: disk and memory stay bounded. */
  maxBytes: number;
  /** Content-Length when the upstream declared one. */
  declaredBytes?: number;
  /** Names the answer in errors. */
  what?: string;
  onBytes?: (n: number) => void;
  /** Counts the bytes on disk while they are there. */
  spill?: SpillMeter;
  /** Free disk left to everyone else (default SPILL_RESERVE_BYTES). */
  spillReserveBytes?: number;
}

/** Bytes held in spill files right now, and the most there ever were: the local proxy's disk footprint. */
export class SpillMeter {
  live = 0;
  peak = 0;
  add(n: number): void {
    this.live += n;
    if (this.live > this.peak) this.peak = this.live;
  }
}

export class BodyIdleError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no body bytes for ${ms} ms`);
  }
}

/**
 * Read `source` to its end. An idle gap longer than `bodyIdleMs` fails it
 * (a large zip on a slow link is fine as long as bytes keep coming), and so
 * does a body past `maxBytes`: nothing past the cap is ever held or spilled.
 */
export async function holdBody(source: Readable, opts: HoldOptions): Promise<HeldBody> {
  const what = opts.what ?? 'the answer';
  if (opts.declaredBytes !== undefined && opts.declaredBytes > opts.maxBytes) {
    source.destroy();
    throw new BodyTooLargeError(opts.maxBytes, what);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let file: string | undefined;
  let handle: fs.FileHandle | undefined;
  let idle: NodeJS.Timeout | undefined;
  let spaceCheckedAt = 0;
  let onDisk = 0;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => source.destroy(new BodyIdleError(opts.bodyIdleMs)), opts.bodyIdleMs);
  };
  try {
    arm();
    for await (const chunk of source as AsyncIterable<Buffer>) {
      arm();
      if (size + chunk.length > opts.maxBytes) throw new BodyTooLargeError(opts.maxBytes, what);
      size += chunk.length;
      opts.onBytes?.(chunk.length);
      if (handle) {
        if (size - spaceCheckedAt >= SPACE_CHECK_EVERY) {
          await ensureSpace(opts.spillDir, SPACE_CHECK_EVERY, opts.spillReserveBytes);
          spaceCheckedAt = size;
        }
        await handle.write(chunk);
        onDisk += chunk.length;
        opts.spill?.add(chunk.length);
        continue;
      }
      chunks.push(chunk);
      if (size > opts.memoryLimit) {
        await fs.mkdir(opts.spillDir, { recursive: true, mode: 0o700 });
        await ensureSpace(opts.spillDir, Math.max(opts.declaredBytes ?? 0, size) + SPACE_CHECK_EVERY, opts.spillReserveBytes);
        spaceCheckedAt = size;
        file = path.join(opts.spillDir, `${randomUUID()}.part`);
        handle = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW, 0o600);
        for (const c of chunks) await handle.write(c);
        onDisk = size;
        opts.spill?.add(size);
      }
    }
  } catch (err) {
    await handle?.close();
    if (file) {
      await fs.rm(file, { force: true });
      opts.spill?.add(-onDisk);
    }
    throw err;
  } finally {
    clearTimeout(idle);
  }
  await handle?.close();
  const all = file ? undefined : Buffer.concat(chunks);
  const head = all ? all.subarray(0, HEAD_BYTES) : Buffer.concat(chunks).subarray(0, HEAD_BYTES);
  return heldBody(size, head, all, file, file ? opts.spill : undefined);
}

/** Is there room for `bytes` more in `dir`, with the reserve left free? */
async function ensureSpace(dir: string, bytes: number, reserve = SPILL_RESERVE_BYTES): Promise<void> {
  const s = await fs.statfs(dir);
  if (s.bavail * s.bsize < bytes + reserve) throw new NoSpaceError(dir, bytes, reserve);
}

export function memoryBody(data: Buffer): HeldBody {
  return heldBody(data.length, data.subarray(0, HEAD_BYTES), data, undefined);
}

/** A file that is not ours to delete (the module cache): disposing leaves it. */
export async function fileBody(file: string): Promise<HeldBody> {
  const stat = await fs.stat(file);
  const fd = await fs.open(file, 'r');
  const head = Buffer.alloc(Math.min(HEAD_BYTES, stat.size));
  await fd.read(head, 0, head.length, 0);
  await fd.close();
  return { ...heldBody(stat.size, head, undefined, file), dispose: async () => {} };
}

function heldBody(size: number, head: Buffer, memory: Buffer | undefined, file: string | undefined, spill?: SpillMeter): HeldBody {
  let disposed = false;
  return {
    size,
    head,
    memory,
    file,
    stream: () => (file ? createReadStream(file) : Readable.from([memory ?? Buffer.alloc(0)])),
    dispose: async () => {
      if (!file || disposed) return;
      disposed = true;
      await fs.rm(file, { force: true });
      spill?.add(-size);
    },
  };
}
