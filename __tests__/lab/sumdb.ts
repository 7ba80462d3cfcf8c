/**
 * A checksum database for the lab, in the formats of golang.org/x/mod/sumdb
 * (note/, tlog/, server.go), so the real go command verifies lab modules
 * against it exactly as it verifies against sum.golang.org:
 * - an Ed25519 key in note format: GOSUMDB=<name>+<hash>+<key> (`gosumdb`);
 * - a transparency log: record hash SHA-256(0x00||record), node hash
 *   SHA-256(0x01||left||right), hashes stored in tlog's order;
 * - tiles of height 8 (`/tile/8/<L>/<NNN>[.p/<W>]`, `/tile/8/data/...`),
 *   `/latest` (the signed tree), `/lookup/<path>@<version>` (record + signed tree).
 *
 * The lab GOPROXY server serves it under `/sumdb/<name>/` (startGoProxy's
 * `sumdb` option), where its faults apply like anywhere else.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { escapePath, unescapePath, type ModuleVersion } from './modules.js';

/**
 * A name with a 64-character first label: should go ever try the database
 * directly (no proxy said "supported"), name resolution fails before any
 * query leaves the machine (lab README).
 */
export const LAB_SUMDB_NAME = `${'s'.repeat(64)}.invalid`;

/** The tile height the go command's sumdb client uses. */
export const TILE_HEIGHT = 8;

export interface SumdbAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface LabSumdb {
  readonly name: string;
  /** GOSUMDB for the go command: `<name>+<hash>+<key>` (no URL: go asks its proxies, then the name itself). */
  readonly gosumdb: string;
  /** Records so far (the tree size). */
  size(): number;
  /** Append the go.sum lines of a module version (zip and go.mod hashes); returns the record id. */
  addModule(m: Pick<ModuleVersion, 'path' | 'version' | 'h1' | 'goModH1'>): number;
  /** Append a record with exactly these lines (e.g. a wrong hash, to prove go checks it). */
  addRecord(lines: string[]): number;
  /** Answer a request below `/sumdb/<name>` (e.g. `/lookup/...`, `/tile/...`, `/latest`, `/supported`). */
  answer(rel: string): SumdbAnswer;
  /** The signed tree note (what `/latest` serves). */
  signedTree(): Buffer;
}

export interface LabSumdbOptions {
  name?: string;
  modules?: readonly Pick<ModuleVersion, 'path' | 'version' | 'h1' | 'goModH1'>[];
  /** Unrelated records first, so lookups need tiles of more than one level (300: two levels). */
  fillers?: number;
  /**
   * Keep each lookup's first answer, signed tree included, as proxy.golang.org
   * does: a later lookup of it then names an older tree than other answers.
   */
  memoLookups?: boolean;
}

const sha256 = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const recordHash = (data: Buffer) => sha256(Buffer.from([0x00]), data);
const nodeHash = (l: Buffer, r: Buffer) => sha256(Buffer.from([0x01]), l, r);

/** tlog.StoredHashIndex: where hash (level, n) sits in the dense storage order. */
export function storedHashIndex(level: number, n: number): number {
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = Math.floor(n / 2)) i += n;
  return i + level;
}

/** tlog.maxpow2: the largest power of two below n, and its log. */
function maxpow2(n: number): [number, number] {
  let l = 0;
  while (2 ** (l + 1) < n) l++;
  return [2 ** l, l];
}

const trailingZeros = (n: number) => {
  let z = 0;
  while (n > 0 && n % 2 === 0) {
    n /= 2;
    z++;
  }
  return z;
};

/** The key pair in note format: `<name>+<hash>+<base64(0x01 || public key)>`, hash = SHA-256(name\n||key)[:4]. */
function noteKey(name: string): { vkey: string; hash: Buffer; privateKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  const key = Buffer.concat([Buffer.from([0x01]), raw]);
  const hash = sha256(Buffer.from(`${name}\n`), key).subarray(0, 4);
  return { vkey: `${name}+${hash.toString('hex')}+${key.toString('base64')}`, hash, privateKey };
}

export function createLabSumdb(opts: LabSumdbOptions = {}): LabSumdb {
  const name = opts.name ?? LAB_SUMDB_NAME;
  const key = noteKey(name);
  const records: Buffer[] = [];
  /** Every stored hash, in tlog's storage order. */
  const hashes: Buffer[] = [];
  const ids = new Map<string, number>();

  const append = (text: Buffer): number => {
    const n = records.length;
    records.push(text);
    // tlog.StoredHashesForRecordHash: the leaf, then one hash per subtree this record completes.
    let h = recordHash(text);
    hashes.push(h);
    for (let i = 0; i < trailingZeros(n + 1); i++) {
      h = nodeHash(hashes[storedHashIndex(i, Math.floor(n / 2 ** i) - 1)] as Buffer, h);
      hashes.push(h);
    }
    return n;
  };

  const treeHash = (): Buffer => {
    const n = records.length;
    if (n === 0) return sha256();
    const parts: Buffer[] = [];
    for (let lo = 0; lo < n;) {
      const [k, level] = maxpow2(n - lo + 1);
      parts.push(hashes[storedHashIndex(level, lo / k)] as Buffer);
      lo += k;
    }
    let h = parts[parts.length - 1] as Buffer;
    for (let i = parts.length - 2; i >= 0; i--) h = nodeHash(parts[i] as Buffer, h);
    return h;
  };

  const signedTree = (): Buffer => {
    const text = `go.sum database tree\n${records.length}\n${treeHash().toString('base64')}\n`;
    const sig = sign(null, Buffer.from(text), key.privateKey);
    return Buffer.from(`${text}\n— ${name} ${Buffer.concat([key.hash, sig]).toString('base64')}\n`);
  };

  const addRecord = (lines: string[]) => append(Buffer.from(lines.map((l) => `${l}\n`).join('')));
  const addModule: LabSumdb['addModule'] = (m) => {
    const id = addRecord([`${m.path} ${m.version} ${m.h1}`, `${m.path} ${m.version}/go.mod ${m.goModH1}`]);
    ids.set(`${m.path}@${m.version}`, id);
    return id;
  };

  for (let i = 0; i < (opts.fillers ?? 0); i++)
    addRecord([`filler.example/m${i} v1.0.0 h1:${sha256(Buffer.from(String(i))).toString('base64')}`]);
  for (const m of opts.modules ?? []) addModule(m);

  const text = (status: number, body: string): SumdbAnswer => ({
    status,
    contentType: 'text/plain; charset=utf-8',
    body: Buffer.from(body),
  });

  const memo = new Map<string, SumdbAnswer>();
  const lookup = (target: string): SumdbAnswer => {
    const kept = memo.get(target);
    if (kept) return kept;
    const a = freshLookup(target);
    if (opts.memoLookups && a.status === 200) memo.set(target, a);
    return a;
  };
  const freshLookup = (target: string): SumdbAnswer => {
    const at = target.lastIndexOf('@');
    const path = unescapePath(target.slice(0, at));
    const version = unescapePath(target.slice(at + 1));
    const id = path && version ? ids.get(`${path}@${version}`) : undefined;
    if (id === undefined) return text(404, `not found: ${target}\n`);
    const record = Buffer.concat([Buffer.from(`${id}\n`), records[id] as Buffer, Buffer.from('\n')]);
    return { status: 200, contentType: 'text/plain; charset=UTF-8', body: Buffer.concat([record, signedTree()]) };
  };

  const tile = (rel: string): SumdbAnswer => {
    const m = /^\/tile\/(\d+)\/(\d+|data)\/((?:x\d{3}\/)*\d{3})(?:\.p\/(\d+))?$/.exec(rel);
    if (!m || Number(m[1]) !== TILE_HEIGHT) return text(400, 'invalid tile syntax\n');
    const n = (m[3] as string).split('/').reduce((acc, s) => acc * 1000 + Number(s.replace('x', '')), 0);
    const width = m[4] ? Number(m[4]) : 2 ** TILE_HEIGHT;
    if (m[2] === 'data') {
      const start = n * 2 ** TILE_HEIGHT;
      if (start + width > records.length) return text(404, 'tile not found\n');
      return { status: 200, contentType: 'text/plain; charset=UTF-8', body: Buffer.concat(records.slice(start, start + width)) };
    }
    const level = Number(m[2]) * TILE_HEIGHT;
    // Hashes at this level exist for every complete subtree of 2^level records.
    const count = Math.floor(records.length / 2 ** level);
    if (n * 2 ** TILE_HEIGHT + width > count) return text(404, 'tile not found\n');
    const parts: Buffer[] = [];
    for (let i = 0; i < width; i++) parts.push(hashes[storedHashIndex(level, n * 2 ** TILE_HEIGHT + i)] as Buffer);
    return { status: 200, contentType: 'application/octet-stream', body: Buffer.concat(parts) };
  };

  return {
    name,
    gosumdb: key.vkey,
    size: () => records.length,
    addModule,
    addRecord,
    signedTree,
    answer(rel) {
      if (rel === '/supported') return text(200, '');
      if (rel === '/latest') return { status: 200, contentType: 'text/plain; charset=UTF-8', body: signedTree() };
      if (rel.startsWith('/lookup/')) return lookup(rel.slice('/lookup/'.length));
      if (rel.startsWith('/tile/')) return tile(rel);
      return text(404, 'not found\n');
    },
  };
}

/** The lookup path of a module version, below `/sumdb/<name>`. */
export const lookupPath = (m: { path: string; version: string }) => `/lookup/${escapePath(m.path)}@${escapePath(m.version)}`;
