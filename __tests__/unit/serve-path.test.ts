/** The checksum-database paths the local proxy accepts: exactly what the go command's sumdb client asks a proxy for. */
import { parseServePath } from '../../src/upstream/request-path.js';

const kind = (p: string) => {
  const r = parseServePath(p);
  return 'refused' in r ? 'refused' : `${r.request.kind} ${r.request.upstreamPath}`;
};

test('a database named host or host/path, its supported, latest, lookup and tile paths', () => {
  expect(kind('/sumdb/sum.golang.org/supported')).toBe('sumdb sumdb/sum.golang.org/supported');
  expect(kind('/sumdb/sum.golang.org/lookup/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64')).toBe(
    'sumdb sumdb/sum.golang.org/lookup/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64',
  );
  expect(kind('/sumdb/sum.example.com:8443/tile/8/0/x271/398')).toBe('sumdb sumdb/sum.example.com:8443/tile/8/0/x271/398');
  expect(kind('/sumdb/sum.example.com/go/db/tile/8/1/000.p/3')).toBe('sumdb sumdb/sum.example.com/go/db/tile/8/1/000.p/3');
  expect(kind('/sumdb/sum.example.com/go/db/latest')).toBe('sumdb sumdb/sum.example.com/go/db/latest');
});

test('anything else below /sumdb/ is refused', () => {
  for (const p of [
    '/sumdb/sum.golang.org/',
    '/sumdb/sum.golang.org/other',
    '/sumdb/Sum.golang.org/supported',
    '/sumdb/sum.golang.org/../x/supported',
  ])
    expect([p, kind(p)]).toEqual([p, 'refused']);
});
