/**
 * Which files of the go command's checksum-database cache
 * (GOMODCACHE/cache/download/sumdb/<name>/) a cached lookup needs to be
 * verified again offline. The go command checks every toolchain switch
 * against the checksum database (go.sum never lists toolchains): from the
 * cached `lookup/<path>@<version>` it reads the record id and the signed tree
 * it was proven in, then the hash tiles that prove the record in that tree
 * (golang.org/x/mod/sumdb/tlog: TileHashReader.ReadHashes for
 * StoredHashIndex(0, id)). A module cache saved with exactly those files
 * switches with GOPROXY=off in the next job.
 */

/** The go command's sumdb client reads tiles of this height. */
const TILE_HEIGHT = 8;

interface Tile {
  /** Level in the tiling. */
  l: number;
  n: number;
  /** Width: 2^H for a full tile, fewer for a partial one. */
  w: number;
}

const pow2 = (k: number) => 2 ** k;
const shr = (x: number, k: number) => Math.floor(x / pow2(k));

/** tlog.StoredHashIndex. Plain arithmetic, not bit operators: indexes pass 2^31 in large logs. */
function storedHashIndex(level: number, n: number): number {
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = shr(n, 1)) i += n;
  return i + level;
}

function trailingOnes(n: number): number {
  let k = 0;
  while (n % 2 === 1) {
    n = shr(n, 1);
    k++;
  }
  return k;
}

/** tlog.SplitStoredHashIndex. */
function splitStoredHashIndex(index: number): { level: number; n: number } {
  let n = shr(index, 1);
  let indexN = storedHashIndex(0, n);
  for (;;) {
    // Record n+1 adds 1 + trailingZeros(n+1) hashes, that is 1 + trailingOnes(n).
    const x = indexN + 1 + trailingOnes(n);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return { level, n: shr(n, level) };
}

/** tlog.tileForIndex (the tile only). */
function tileForIndex(index: number): Tile {
  const split = splitStoredHashIndex(index);
  const l = Math.floor(split.level / TILE_HEIGHT);
  const level = split.level - l * TILE_HEIGHT;
  const n = shr(split.n * pow2(level), TILE_HEIGHT);
  const inTile = split.n - shr(n * pow2(TILE_HEIGHT), level);
  return { l, n, w: (inTile + 1) * pow2(level) };
}

/** tlog's tileParent: t's k-th parent in the tiles of a tree of size `size`, or undefined. */
function tileParent(t: Tile, k: number, size: number): Tile | undefined {
  const l = t.l + k;
  const n = shr(t.n, k * TILE_HEIGHT);
  let w = pow2(TILE_HEIGHT);
  const max = shr(size, l * TILE_HEIGHT);
  if (n * pow2(TILE_HEIGHT) + w >= max) {
    if (n * pow2(TILE_HEIGHT) >= max) return undefined;
    w = max - n * pow2(TILE_HEIGHT);
  }
  return { l, n, w };
}

/** tlog.subTreeIndex(0, size). */
function subTreeIndexes(size: number): number[] {
  const need: number[] = [];
  for (let lo = 0; lo < size;) {
    let level = 0;
    while (pow2(level + 1) < size - lo + 1) level++;
    need.push(storedHashIndex(level, shr(lo, level)));
    lo += pow2(level);
  }
  return need;
}

/** Tile.Path: tile/8/<L>/x123/456[.p/<W>]. */
function tilePath(t: Tile): string {
  let n = t.n;
  let s = String(n % 1000).padStart(3, '0');
  while (n >= 1000) {
    n = Math.floor(n / 1000);
    s = `x${String(n % 1000).padStart(3, '0')}/${s}`;
  }
  return `tile/${TILE_HEIGHT}/${t.l}/${s}${t.w === pow2(TILE_HEIGHT) ? '' : `.p/${t.w}`}`;
}

/** The hash tiles TileHashReader reads to prove record `id` in a tree of `size` records, as cache paths. */
export function tilesProvingRecord(id: number, size: number): string[] {
  if (!(id >= 0 && id < size)) return [];
  const tiles = new Map<string, Tile>();
  const add = (t: Tile | undefined) => {
    if (t) tiles.set(tilePath(t), t);
  };
  for (const x of subTreeIndexes(size)) add(tileParent(tileForIndex(x), 0, size));
  // The record's own tile, and its parents up to one already planned (they authenticate it).
  const own = tileForIndex(storedHashIndex(0, id));
  for (let k = 0; ; k++) {
    const p = tileParent(own, k, size);
    if (!p || tiles.has(tilePath(p))) break;
    add(p);
  }
  return [...tiles.keys()].sort();
}

/**
 * A cached lookup (`<id>\n<record text>\n<signed tree note>`): the record id
 * and the size of the tree it was proven in. Undefined when malformed.
 */
export function parseCachedLookup(data: string): { id: number; size: number } | undefined {
  const id = /^(\d+)\n/.exec(data);
  const end = data.indexOf('\n\n');
  const tree = end < 0 ? undefined : /^go\.sum database tree\n(\d+)\n/.exec(data.slice(end + 2));
  if (!id?.[1] || !tree?.[1]) return undefined;
  return { id: Number(id[1]), size: Number(tree[1]) };
}

/** Where the go command caches a lookup: `lookup/<escaped path>@<escaped version>` below sumdb/<name>/. */
export const lookupCachePath = (escapedPath: string, escapedVersion: string) => `lookup/${escapedPath}@${escapedVersion}`;
