/**
 * The checksum-database cache files a lookup needs offline: the record id and
 * tree size read from the cached lookup, and the tiles tlog reads to prove it.
 * Checked against what the real go command cached for go1.27.3 from
 * sum.golang.org (a tree of 70 835 252 records, four tile levels); the lab
 * test (lab-sumdb.test.ts) checks small trees against go the same way.
 */
import { parseCachedLookup, tilesProvingRecord } from '../../src/go/sumdb-tiles.js';

/** GOMODCACHE/cache/download/sumdb/sum.golang.org/lookup/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64, as go wrote it. */
const REAL_LOOKUP = `69478030
golang.org/toolchain v0.0.1-go1.27.3.linux-amd64 h1:r0ub+FnqzZxoWm/dSUOI9DcIqYWn/mNYGFJcv7PyBzs=
golang.org/toolchain v0.0.1-go1.27.3.linux-amd64/go.mod h1:8wlg68NqwW7eMnI1aABk/C2pDYXj8mrMY4TyRfiLeS0=

go.sum database tree
70835252
i/47wIAMOilgNhOrV2EcYgX2bQrKd0NLTxkgv0yNjLA=

— sum.golang.org Az3grntgRsIwyJf+TSkhqXMVFN87bTvZxE/1OoFC5ace2k9a5YdqLBDp95lcBO5JimOuxtreauvj9N/JV/bzL9SwFgQ=
`;

test('a cached lookup names its record and the tree it was proven in', () => {
  expect(parseCachedLookup(REAL_LOOKUP)).toEqual({ id: 69478030, size: 70835252 });
  expect(parseCachedLookup('not a lookup')).toBeUndefined();
  expect(parseCachedLookup('12\nexample.com/m v1.0.0 h1:x\n')).toBeUndefined();
});

test('the tiles are exactly those the go command cached for the real lookup', () => {
  // ls GOMODCACHE/cache/download/sumdb/sum.golang.org/tile after `GOTOOLCHAIN=go1.27.3 go version`, from an empty cache.
  expect(tilesProvingRecord(69478030, 70835252)).toEqual([
    'tile/8/0/x271/398',
    'tile/8/0/x276/700.p/52',
    'tile/8/1/x001/060',
    'tile/8/1/x001/080.p/220',
    'tile/8/2/004.p/56',
    'tile/8/3/000.p/4',
  ]);
});

test('small trees: one partial tile; a record outside the tree needs nothing', () => {
  expect(tilesProvingRecord(0, 1)).toEqual(['tile/8/0/000.p/1']);
  expect(tilesProvingRecord(3, 41)).toEqual(['tile/8/0/000.p/41']);
  expect(tilesProvingRecord(0, 256)).toEqual(['tile/8/0/000', 'tile/8/1/000.p/1']);
  expect(tilesProvingRecord(300, 301)).toEqual(['tile/8/0/001.p/45', 'tile/8/1/000.p/1']);
  expect(tilesProvingRecord(5, 5)).toEqual([]);
});
