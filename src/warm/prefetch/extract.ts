import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../../go/command.js';
import { offline, withGoproxy } from '../../goproxy/chain.js';
import { escapeModulePath, escapeVersion } from '../../goproxy/module-path.js';

/** Modules handed to one `go mod download` at a time: enough to keep its GOMAXPROCS workers busy. */
const BATCH = 48;

export interface ExtractFigures {
  /** Modules the go command unpacked while the prefetch was still downloading. */
  extracted: number;
  ms: number;
}

export interface Extractor {
  /** A file of the prefetch is in place: once a module's zip, .ziphash, .mod and .info are, it is unpacked. */
  placed(module: string, version: string): void;
  /** Wait for what is queued (the ladder's go command then finds every module unpacked) and remove the scratch directory; again: the same figures. */
  finish(): Promise<ExtractFigures>;
}

/**
 * Unpack prefetched modules while the prefetch goes on, with the go command
 * itself (`go mod download m@v …`), so extracting overlaps downloading
 * instead of following it. Only modules whose zip the prefetch hashed
 * against go.sum get this far (they carry the `.ziphash` it wrote), so the
 * runs are offline and need no checksum database: GOPROXY=off, GOSUMDB=off,
 * from an empty directory (no go.mod: no toolchain switch, no go.sum
 * rewritten), the user's GOFLAGS and GOMODCACHE kept (-modcacherw included).
 * Anything that fails here is left to the ladder's `go mod download`, which
 * checks every module against go.sum again.
 */
export function startExtractor(opts: { downloadDir: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Extractor {
  const started = performance.now();
  const queued = new Set<string>();
  const waiting: string[] = [];
  let extracted = 0;
  let running: Promise<void> | undefined;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'gpg-extract-'));
  const env = { ...withGoproxy(opts.env, offline()), GOSUMDB: 'off', GOTOOLCHAIN: 'local', GOWORK: 'off', GO111MODULE: 'on' };

  const complete = (module: string, version: string) => {
    const base = path.join(opts.downloadDir, escapeModulePath(module), '@v', escapeVersion(version));
    return ['.zip', '.ziphash', '.mod', '.info'].every((ext) => existsSync(base + ext));
  };
  const drain = async (): Promise<void> => {
    while (waiting.length > 0) {
      const batch = waiting.splice(0, BATCH);
      const r = await runCommand('go', ['mod', 'download', '-json', ...batch], { cwd: scratch, env, timeoutMs: opts.timeoutMs });
      extracted += r.code === 0 ? batch.length : (r.stdout.match(/"Dir":/g) ?? []).length;
    }
  };
  const kick = () => {
    running ??= drain().finally(() => {
      running = undefined;
      if (waiting.length > 0) kick();
    });
  };
  return {
    placed(module, version) {
      const id = `${module}@${version}`;
      if (queued.has(id) || !complete(module, version)) return;
      queued.add(id);
      waiting.push(id);
      kick();
    },
    async finish() {
      while (running) await running;
      rmSync(scratch, { recursive: true, force: true });
      return { extracted, ms: Math.round(performance.now() - started) };
    },
  };
}
