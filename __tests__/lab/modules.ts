/**
 * Synthetic Go modules, built in memory so the lab needs no network and no
 * fixtures on disk. Everything the GOPROXY protocol serves (.info, .mod, .zip)
 * and everything go.sum records (h1: hashes) is derived here, byte for byte
 * the way the go command computes it, so the real `go` accepts the result.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';

export interface ModuleRef {
  path: string;
  version: string;
}

export interface ModuleVersion extends ModuleRef {
  /** RFC 3339 commit time, as served in `.info`. */
  time: string;
  /** Requirements declared in go.mod. */
  requires: readonly ModuleRef[];
  /** Go package name of the module's root package ('' if files were custom: API unknown). */
  packageName: string;
  /** Module paths the generated package imports (its Hello() calls theirs, in this order). */
  imports: readonly string[];
  /** Files of the module root, relative names, including `go.mod`. */
  files: Readonly<Record<string, string>>;
  /** Files zipped as bytes (see ModuleSpec.binaryFiles). */
  binaryFiles?: Readonly<Record<string, Buffer>>;
  /** `.info` body (JSON). */
  info: string;
  /** `.mod` body: the go.mod file. */
  mod: Buffer;
  /** `.zip` body: every file under `<path>@<version>/` (empty when `zipFile` is set). */
  zip: Buffer;
  /** The zip lives in this file instead (too large for memory); the lab proxy streams it. */
  zipFile?: string;
  /** go.sum hash of the zip: `h1:...`. */
  h1: string;
  /** go.sum hash of go.mod: `h1:...`. */
  goModH1: string;
  /** Case-encoded path and version, as they appear in proxy URLs. */
  escapedPath: string;
  escapedVersion: string;
}

export interface ModuleSpec {
  path: string;
  version: string;
  requires?: readonly ModuleRef[];
  /**
   * Replace the generated files (relative name -> content). A missing `go.mod`
   * is still generated from `path`/`requires`.
   */
  files?: Record<string, string>;
  /** Files that are not text (real trees embed tables, images): zipped as they are, not in `files`. */
  binaryFiles?: Readonly<Record<string, Buffer>>;
  /** Defaults to a deterministic time derived from the version. */
  time?: string | Date;
  /** `go` directive of the generated go.mod (default 1.19, the go on this machine). */
  goVersion?: string;
  /** Generated package imports and calls every required module (default true). */
  importRequires?: boolean;
}

// ---------------------------------------------------------------- escaping

/**
 * Go's module.EscapePath: proxies are served from case-insensitive file
 * systems, so each upper-case letter becomes `!` + lower-case.
 */
export function escapePath(p: string): string {
  return p.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/** Versions are escaped the same way (pre-release tags may hold capitals). */
export const escapeVersion = escapePath;

/** Inverse of escapePath; undefined for malformed input (capitals or a dangling `!`). */
export function unescapePath(p: string): string | undefined {
  if (/[A-Z]/.test(p) || /![^a-z]|!$/.test(p)) return undefined;
  return p.replace(/!([a-z])/g, (_m, c: string) => c.toUpperCase());
}

// ---------------------------------------------------------------- hashing

/** Go's dirhash.Hash1 over (name, content) pairs, names as given. */
export function hash1(files: ReadonlyArray<{ name: string; data: Buffer | string }>): string {
  return hash1OfDigests(files.map((f) => ({ name: f.name, sha256: createHash('sha256').update(f.data).digest('hex') })));
}

/** hash1 from each file's hex SHA-256, for contents hashed while streaming. */
export function hash1OfDigests(files: ReadonlyArray<{ name: string; sha256: string }>): string {
  const lines = [...files]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((f) => `${f.sha256}  ${f.name}\n`)
    .join('');
  return `h1:${createHash('sha256').update(lines).digest('base64')}`;
}

/**
 * go.sum lines, in go's order: `<path> <v> h1:` (zip) and `<path> <v>/go.mod h1:`.
 * `zip` (default true) says which versions get the zip line: go wants it only
 * for modules in the build list, but the /go.mod line for every graph node.
 */
export function goSumLines(versions: readonly ModuleVersion[], opts: { zip?: boolean | ((m: ModuleVersion) => boolean) } = {}): string[] {
  const lines = new Set<string>();
  for (const m of versions) {
    const zip = typeof opts.zip === 'function' ? opts.zip(m) : opts.zip !== false;
    if (zip) lines.add(`${m.path} ${m.version} ${m.h1}`);
    lines.add(`${m.path} ${m.version}/go.mod ${m.goModH1}`);
  }
  // go.sum order: by path, then version, the zip line before the /go.mod line.
  return [...lines].sort((a, b) => {
    const [pa = '', va = ''] = a.split(' ');
    const [pb = '', vb = ''] = b.split(' ');
    if (pa !== pb) return pa < pb ? -1 : 1;
    const c = compareSemver(va.replace(/\/go\.mod$/, ''), vb.replace(/\/go\.mod$/, ''));
    if (c !== 0) return c;
    return va.endsWith('/go.mod') ? 1 : vb.endsWith('/go.mod') ? -1 : 0;
  });
}

// ---------------------------------------------------------------- zip

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC-32, continuing from `prev` (the CRC of the bytes before `buf`). Native
 * zlib.crc32 when present (Node >= 20.15), else our own table.
 */
export function crc32(buf: Buffer, prev = 0): number {
  const native = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;
  if (typeof native === 'function') return native(buf, prev) >>> 0;
  let c = (prev ^ 0xffffffff) >>> 0;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A minimal, deterministic zip writer: stored (uncompressed) entries, fixed
 * 1980 timestamps, UTF-8 names. archive/zip and golang.org/x/mod/zip read it.
 */
export function buildZip(entries: ReadonlyArray<{ name: string; data: Buffer | string }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
    const { local, central } = zipHeaders(name, crc32(data), data.length, offset);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  return Buffer.concat([
    ...locals,
    ...centrals,
    zipEnd(
      entries.length,
      centrals.reduce((n, b) => n + b.length, 0),
      offset,
    ),
  ]);
}

/** Local and central headers of one stored entry (the name follows each). */
function zipHeaders(name: Buffer, crc: number, size: number, offset: number): { local: Buffer; central: Buffer } {
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(0x0800, 6); // UTF-8 names
  local.writeUInt16LE(0, 8); // stored
  local.writeUInt16LE(0, 10); // time 00:00
  local.writeUInt16LE((0 << 9) | (1 << 5) | 1, 12); // date 1980-01-01
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(size, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by: unix, 2.0
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0x0800, 8);
  central.writeUInt16LE(0, 10);
  central.writeUInt16LE(0, 12);
  central.writeUInt16LE((0 << 9) | (1 << 5) | 1, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(size, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt16LE(0, 30); // extra
  central.writeUInt16LE(0, 32); // comment
  central.writeUInt16LE(0, 34); // disk
  central.writeUInt16LE(0, 36); // internal attrs
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
  central.writeUInt32LE(offset, 42);
  return { local, central };
}

/** End-of-central-directory record. */
function zipEnd(count: number, cdSize: number, cdOffset: number): Buffer {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cdSize, 12);
  end.writeUInt32LE(cdOffset, 16);
  return end;
}

// ---------------------------------------------------------------- semver

interface Parsed {
  nums: [number, number, number];
  pre: string[];
}

function parseSemver(v: string): Parsed | undefined {
  const m = /^v(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v);
  if (!m) return undefined;
  return { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ? m[4].split('.') : [] };
}

/** Semantic-version order as Go's x/mod/semver (invalid versions sort first). */
export function compareSemver(a: string, b: string): number {
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : a < b ? -1 : a > b ? 1 : 0;
  for (let i = 0; i < 3; i++) {
    const d = (pa.nums[i] ?? 0) - (pb.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (!pa.pre.length || !pb.pre.length) return pa.pre.length ? -1 : pb.pre.length ? 1 : 0;
  for (let i = 0; i < Math.max(pa.pre.length, pb.pre.length); i++) {
    const x = pa.pre[i];
    const y = pb.pre[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) return Math.sign(Number(x) - Number(y));
    if (xn !== yn) return xn ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** What `@latest` answers: the highest release, else the highest pre-release. */
export function latestVersion<T extends ModuleRef>(versions: readonly T[]): T | undefined {
  const sorted = [...versions].sort((a, b) => compareSemver(a.version, b.version));
  return sorted.filter((v) => !parseSemver(v.version)?.pre.length).pop() ?? sorted.pop();
}

// ---------------------------------------------------------------- generation

const GO_KEYWORDS = new Set(
  (
    'break case chan const continue default defer else fallthrough for func go goto if ' +
    'import interface map package range return select struct switch type var'
  ).split(' '),
);

/** A valid Go package name for a module path: last element, minus /vN, lower-case. */
export function packageNameFor(modPath: string): string {
  const elems = modPath.split('/');
  let last = elems.pop() ?? 'mod';
  if (/^v\d+$/.test(last) && elems.length) last = elems.pop() ?? last;
  let name = last.toLowerCase().replace(/[^a-z0-9_]/g, '');
  if (!name || /^\d/.test(name)) name = `m${name}`;
  return GO_KEYWORDS.has(name) ? `${name}pkg` : name;
}

export function goModFor(path: string, requires: readonly ModuleRef[], goVersion = '1.19'): string {
  let text = `module ${path}\n\ngo ${goVersion}\n`;
  if (requires.length === 1 && requires[0]) text += `\nrequire ${requires[0].path} ${requires[0].version}\n`;
  else if (requires.length > 1) text += `\nrequire (\n${requires.map((r) => `\t${r.path} ${r.version}\n`).join('')})\n`;
  return text;
}

function defaultTime(version: string): string {
  // Deterministic and monotonic in the version, so @latest and .info agree.
  const [maj = 0, min = 0, pat = 0] = parseSemver(version)?.nums ?? [];
  return new Date(Date.UTC(2024, 0, 1) + (maj * 10000 + min * 100 + pat) * 3600_000).toISOString().replace(/\.000Z$/, 'Z');
}

function generatedPackage(spec: ModuleSpec, pkg: string): string {
  const deps = spec.importRequires === false ? [] : (spec.requires ?? []);
  const imports = deps.map((r, i) => `\tdep${i} "${r.path}"\n`).join('');
  const calls = deps.map((_r, i) => ` + " <- " + dep${i}.Hello()`).join('');
  return `// Package ${pkg} is a synthetic module made by the go-proxy-guard test lab.
package ${pkg}
${imports ? `\nimport (\n${imports})\n` : ''}
// Hello names the module version that was built, and those it depends on.
func Hello() string {
\treturn "${spec.path}@${spec.version}"${calls}
}
`;
}

/** Build one module version from a spec; all derived artefacts are computed eagerly. */
export function moduleVersion(spec: ModuleSpec): ModuleVersion {
  if (!parseSemver(spec.version)) throw new Error(`lab: not a semantic version: ${spec.version}`);
  const requires = [...(spec.requires ?? [])];
  const pkg = packageNameFor(spec.path);
  const files: Record<string, string> = spec.files ? { ...spec.files } : { [`${pkg}.go`]: generatedPackage(spec, pkg) };
  files['go.mod'] ??= goModFor(spec.path, requires, spec.goVersion);
  const prefix = `${spec.path}@${spec.version}/`;
  const all: Record<string, Buffer> = { ...spec.binaryFiles };
  for (const [name, text] of Object.entries(files)) all[name] = Buffer.from(text, 'utf8');
  const entries = Object.keys(all)
    .sort()
    .map((name) => ({ name: prefix + name, data: all[name]! }));
  const mod = Buffer.from(files['go.mod'], 'utf8');
  const time = spec.time instanceof Date ? spec.time.toISOString() : (spec.time ?? defaultTime(spec.version));
  return {
    path: spec.path,
    version: spec.version,
    time,
    requires,
    packageName: spec.files ? '' : pkg,
    imports: spec.files || spec.importRequires === false ? [] : requires.map((r) => r.path),
    files,
    ...(spec.binaryFiles ? { binaryFiles: spec.binaryFiles } : {}),
    info: JSON.stringify({ Version: spec.version, Time: time }),
    mod,
    zip: buildZip(entries),
    h1: hash1(entries),
    goModH1: hash1([{ name: 'go.mod', data: mod }]),
    escapedPath: escapePath(spec.path),
    escapedVersion: escapeVersion(spec.version),
  };
}

/**
 * Same files plus one extra comment line: still a valid module zip, but its
 * h1: no longer matches go.sum, so go must report a checksum mismatch.
 */
export function tamperedZip(m: ModuleVersion): Buffer {
  const prefix = `${m.path}@${m.version}/`;
  const names = Object.keys(m.files).sort();
  const victim = names.find((n) => n.endsWith('.go')) ?? names.find((n) => n !== 'go.mod') ?? 'go.mod';
  return buildZip(
    names.map((n) => ({
      name: prefix + n,
      data: (m.files[n] ?? '') + (n === victim ? '\n// tampered by the lab proxy\n' : ''),
    })),
  );
}

export interface ZipBombSpec {
  path: string;
  version: string;
  /** Central directory entries, every one pointing at the same local header and data. */
  entries: number;
  /** Zeros in the one deflated run (about 1,000 to 1 once deflated). */
  zerosBytes: number;
  /** What each entry declares it inflates to (default: `zerosBytes`, the truth). */
  declaredBytes?: number;
  /** Give every entry a local header of its own after all, each with the whole run (default false). */
  separateRuns?: boolean;
}

/**
 * A zip bomb in module zip clothing (names under `<path>@<version>/`): one
 * deflated run of zeros, built without ever holding the zeros (zlib's
 * sync-flushed output for 16 MiB of zeros, repeated, then a final empty
 * block), and a central directory whose `entries` all point at it. Hashed
 * naively, every entry inflates the whole run: 3,000 entries of a 1.3 MB run
 * are about 4 TB of work. Each entry's CRC is the true one of the zeros.
 */
export function zipBomb(spec: ZipBombSpec): Buffer {
  const chunkZeros = 16 << 20;
  const zeroChunk = Buffer.alloc(chunkZeros);
  const chunk = zlib.deflateRawSync(zeroChunk, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const runs = Math.max(1, Math.round(spec.zerosBytes / chunkZeros));
  // The true CRC, so that a reader checking it inflates every entry to the end.
  let crc = 0;
  for (let i = 0; i < runs; i++) crc = crc32(zeroChunk, crc);
  const data = Buffer.concat([...Array.from({ length: runs }, () => chunk), zlib.deflateRawSync(Buffer.alloc(0))]);
  const zeros = runs * chunkZeros;
  const declared = spec.declaredBytes ?? zeros;
  const prefix = `${spec.path}@${spec.version}/`;
  const name = (i: number) => Buffer.from(`${prefix}f${String(i).padStart(5, '0')}`, 'utf8');
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < spec.entries; i++) {
    const { local, central } = zipHeaders(name(i), crc, 0, spec.separateRuns ? offset : 0);
    for (const [h, sizes] of [
      [local, 18],
      [central, 20],
    ] as const) {
      h.writeUInt32LE(data.length, sizes);
      h.writeUInt32LE(declared, sizes + 4);
    }
    local.writeUInt16LE(8, 8); // deflated
    central.writeUInt16LE(8, 10);
    centrals.push(central, name(i));
    if (i === 0 || spec.separateRuns) {
      locals.push(local, name(i), data);
      offset += local.length + name(i).length + data.length;
    }
  }
  const cd = Buffer.concat(centrals);
  return Buffer.concat([...locals, cd, zipEnd(spec.entries, cd.length, offset)]);
}

/**
 * An `.info` that names another version than the one asked for, padded past
 * the memory limit of whoever holds it: a larger answer used to spill to
 * disk unchecked.
 */
export function lyingInfo(m: ModuleVersion, version: string, padBytes: number): string {
  return JSON.stringify({ Version: version, Time: m.time, Pad: 'x'.repeat(padBytes) });
}

export interface LargeModuleSpec {
  path: string;
  version: string;
  /** Exact size of the zip file; the payload file gets whatever the headers and go.mod leave. */
  sizeBytes: number;
  /** The zip goes to `<dir>/<escaped path>/@v/<escaped version>.zip`. */
  dir: string;
}

/** go refuses module zips (and their unpacked content) over 500 MiB (modzip.MaxZipFile). */
const MAX_MODULE_ZIP = 500 << 20;
const CHUNK = 1 << 20;

/**
 * A module too large for memory (e.g. 200 MB, to measure whether a proxy
 * streams), written to disk 1 MiB at a time: `blob.bin`, pseudo-random bytes
 * (AES-CTR keystream keyed by path@version: deterministic, incompressible),
 * then `go.mod`, both stored, exactly as buildZip lays them out. CRC-32 and
 * the h1: hash are computed while writing. `zip` is empty and `files` holds
 * only go.mod (so packageName is '' and nothing can import it); the lab proxy
 * serves `zipFile` instead.
 */
export async function largeModuleOnDisk(spec: LargeModuleSpec): Promise<ModuleVersion & { zipFile: string }> {
  if (!parseSemver(spec.version)) throw new Error(`lab: not a semantic version: ${spec.version}`);
  const goMod = goModFor(spec.path, []);
  const mod = Buffer.from(goMod, 'utf8');
  const prefix = `${spec.path}@${spec.version}/`;
  const blobName = Buffer.from(`${prefix}blob.bin`, 'utf8'); // sorts before go.mod, as buildZip would order them
  const modName = Buffer.from(`${prefix}go.mod`, 'utf8');
  const overhead = 2 * (30 + 46) + 2 * (blobName.length + modName.length) + mod.length + 22;
  const blobSize = spec.sizeBytes - overhead;
  if (blobSize < 0 || spec.sizeBytes > MAX_MODULE_ZIP) {
    throw new Error(`lab: sizeBytes must be between ${overhead} and ${MAX_MODULE_ZIP} (go's limit), got ${spec.sizeBytes}`);
  }
  const zipFile = path.join(spec.dir, escapePath(spec.path), '@v', `${escapeVersion(spec.version)}.zip`);
  mkdirSync(path.dirname(zipFile), { recursive: true });
  // Written aside and renamed, so an interrupted run never leaves a plausible half zip.
  const tmp = `${zipFile}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  let blobCrc = 0;
  const blobSha = createHash('sha256');
  try {
    const key = createHash('sha256').update(`go-proxy-guard lab large module ${spec.path}@${spec.version}`).digest().subarray(0, 16);
    const keystream = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
    const zeros = Buffer.alloc(CHUNK);
    const blobHeaders = zipHeaders(blobName, 0, blobSize, 0); // CRC patched in below
    await fh.write(Buffer.concat([blobHeaders.local, blobName]));
    for (let left = blobSize; left > 0; left -= CHUNK) {
      const chunk = keystream.update(left >= CHUNK ? zeros : zeros.subarray(0, left));
      blobCrc = crc32(chunk, blobCrc);
      blobSha.update(chunk);
      await fh.write(chunk);
    }
    const crcField = Buffer.alloc(4);
    crcField.writeUInt32LE(blobCrc);
    await fh.write(crcField, 0, 4, 14);
    const modOffset = 30 + blobName.length + blobSize;
    const modHeaders = zipHeaders(modName, crc32(mod), mod.length, modOffset);
    const cdOffset = modOffset + 30 + modName.length + mod.length;
    const blobCentral = zipHeaders(blobName, blobCrc, blobSize, 0).central;
    const cdSize = 2 * 46 + blobName.length + modName.length;
    await fh.write(
      Buffer.concat([modHeaders.local, modName, mod, blobCentral, blobName, modHeaders.central, modName, zipEnd(2, cdSize, cdOffset)]),
    );
    const { size } = await fh.stat();
    if (size !== spec.sizeBytes) throw new Error(`lab: wrote ${size} bytes, expected ${spec.sizeBytes}`);
    await fh.close();
    await rename(tmp, zipFile);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw e;
  }
  const time = defaultTime(spec.version);
  return {
    path: spec.path,
    version: spec.version,
    time,
    requires: [],
    packageName: '',
    imports: [],
    files: { 'go.mod': goMod },
    info: JSON.stringify({ Version: spec.version, Time: time }),
    mod,
    zip: Buffer.alloc(0),
    zipFile,
    h1: hash1OfDigests([
      { name: blobName.toString('utf8'), sha256: blobSha.digest('hex') },
      { name: modName.toString('utf8'), sha256: createHash('sha256').update(mod).digest('hex') },
    ]),
    goModH1: hash1([{ name: 'go.mod', data: mod }]),
    escapedPath: escapePath(spec.path),
    escapedVersion: escapeVersion(spec.version),
  };
}

/**
 * The standard world:
 * - example.com/alpha v1.0.0, v1.1.0
 * - example.com/beta v0.2.0 -> requires and imports alpha v1.1.0
 * - example.com/Upper/Case v1.0.0 (proxy URL `example.com/!upper/!case`)
 * - example.com/gamma/v2 v2.0.1 (major-version suffix)
 */
export function defaultWorld(): ModuleVersion[] {
  return [
    moduleVersion({ path: 'example.com/alpha', version: 'v1.0.0' }),
    moduleVersion({ path: 'example.com/alpha', version: 'v1.1.0' }),
    moduleVersion({ path: 'example.com/beta', version: 'v0.2.0', requires: [{ path: 'example.com/alpha', version: 'v1.1.0' }] }),
    moduleVersion({ path: 'example.com/Upper/Case', version: 'v1.0.0' }),
    moduleVersion({ path: 'example.com/gamma/v2', version: 'v2.0.1' }),
  ];
}

export function findModule(world: readonly ModuleVersion[], ref: ModuleRef): ModuleVersion | undefined {
  return world.find((m) => m.path === ref.path && m.version === ref.version);
}

export interface BuildList {
  /** MVS result: the highest version of each module path reached. */
  selected: ModuleVersion[];
  /** Every version visited: go.sum needs a `/go.mod` line for each. */
  graph: ModuleVersion[];
}

/**
 * Minimal version selection over `world` (unpruned: every requirement of
 * every visited version is followed, a superset of what go 1.17+ loads,
 * which is harmless for go.sum).
 */
export function resolveBuildList(roots: readonly ModuleRef[], world: readonly ModuleVersion[]): BuildList {
  const seen = new Map<string, ModuleVersion>();
  const queue = [...roots];
  while (queue.length) {
    const ref = queue.shift() as ModuleRef;
    const key = `${ref.path}@${ref.version}`;
    if (seen.has(key)) continue;
    const m = findModule(world, ref);
    if (!m) throw new Error(`lab: ${key} is not in the module world`);
    seen.set(key, m);
    queue.push(...m.requires);
  }
  const best = new Map<string, ModuleVersion>();
  for (const m of seen.values()) {
    const cur = best.get(m.path);
    if (!cur || compareSemver(m.version, cur.version) > 0) best.set(m.path, m);
  }
  const byPath = (a: ModuleVersion, b: ModuleVersion): number =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : compareSemver(a.version, b.version);
  return { selected: [...best.values()].sort(byPath), graph: [...seen.values()].sort(byPath) };
}
