import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
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

export class BodyIdleError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no body bytes for ${ms} ms`);
  }
}

/**
 * Read `source` to its end. Only an idle gap longer than `bodyIdleMs` fails it:
 * a large zip on a slow link is fine as long as bytes keep coming.
 */
export async function holdBody(source: Readable, opts: { spillDir: string; memoryLimit: number; bodyIdleMs: number; onBytes?: (n: number) => void }): Promise<HeldBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  let file: string | undefined;
  let handle: fs.FileHandle | undefined;
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => source.destroy(new BodyIdleError(opts.bodyIdleMs)), opts.bodyIdleMs);
  };
  try {
    arm();
    for await (const chunk of source as AsyncIterable<Buffer>) {
      arm();
      size += chunk.length;
      opts.onBytes?.(chunk.length);
      if (handle) {
        await handle.write(chunk);
        continue;
      }
      chunks.push(chunk);
      if (size > opts.memoryLimit) {
        await fs.mkdir(opts.spillDir, { recursive: true });
        file = path.join(opts.spillDir, `${randomUUID()}.part`);
        handle = await fs.open(file, 'wx', 0o600);
        for (const c of chunks) await handle.write(c);
      }
    }
  } catch (err) {
    await handle?.close();
    if (file) await fs.rm(file, { force: true });
    throw err;
  } finally {
    clearTimeout(idle);
  }
  await handle?.close();
  const all = file ? undefined : Buffer.concat(chunks);
  const head = all ? all.subarray(0, HEAD_BYTES) : Buffer.concat(chunks).subarray(0, HEAD_BYTES);
  return heldBody(size, head, all, file);
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

function heldBody(size: number, head: Buffer, memory: Buffer | undefined, file: string | undefined): HeldBody {
  return {
    size,
    head,
    memory,
    file,
    stream: () => (file ? createReadStream(file) : Readable.from([memory ?? Buffer.alloc(0)])),
    dispose: async () => {
      if (file) await fs.rm(file, { force: true });
    },
  };
}
