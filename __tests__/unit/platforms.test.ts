import * as tls from 'node:tls';
import { treeKillPlan } from '../../src/go/process-tree.js';
import { osStoreRoots } from '../../src/goproxy/trust.js';

describe('macOS and Windows runners', () => {
  test('a timed-out go command is ended with its whole tree: a process group on POSIX, taskkill /T /F on Windows', () => {
    expect(treeKillPlan('win32', 4242)).toEqual({ kind: 'taskkill', file: 'taskkill', args: ['/pid', '4242', '/T', '/F'] });
    expect(treeKillPlan('linux', 4242)).toEqual({ kind: 'group', pid: 4242 });
    expect(treeKillPlan('darwin', 4242)).toEqual({ kind: 'group', pid: 4242 });
  });

  test('the OS trust store is read where Node has it (24: keychain, Windows store), and is no error where it has not (20)', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBcompanyCA\n-----END CERTIFICATE-----';
    const asked: string[] = [];
    expect(osStoreRoots({ getCACertificates: (type) => (asked.push(type), [pem]) })).toEqual([pem]);
    expect(asked).toEqual(['system']);
    expect(osStoreRoots({})).toEqual([]);
    expect(
      osStoreRoots({
        getCACertificates: () => {
          throw new Error('keychain locked');
        },
      }),
    ).toEqual([]);
    // The running Node: feature-detected, never a crash.
    const hasIt = typeof (tls as unknown as { getCACertificates?: unknown }).getCACertificates === 'function';
    expect(Array.isArray(osStoreRoots())).toBe(true);
    if (!hasIt) expect(osStoreRoots()).toEqual([]);
  });
});

describe("paths in the runner's own syntax (pure logic, checked with path.win32 and path.posix)", () => {
  test('the module download directory under GOMODCACHE', async () => {
    const path = await import('node:path');
    const { moduleDownloadDir } = await import('../../src/cache/restore.js');
    expect(moduleDownloadDir('C:\\Users\\runneradmin\\go\\pkg\\mod', path.win32)).toBe(
      'C:\\Users\\runneradmin\\go\\pkg\\mod\\cache\\download',
    );
    expect(moduleDownloadDir('/home/runner/go/pkg/mod', path.posix)).toBe('/home/runner/go/pkg/mod/cache/download');
  });

  test('a replace target is a directory in Unix and Windows forms alike, as the go command decides', async () => {
    const { isLocalPath } = await import('../../src/project/gomod.js');
    for (const local of [
      '.',
      '..',
      './lib',
      '../lib',
      '.\\lib',
      '..\\lib',
      '/srv/lib',
      '\\srv\\lib',
      'C:\\src\\lib',
      'c:/src/lib',
      'D:lib',
    ])
      expect([local, isLocalPath(local)]).toEqual([local, true]);
    for (const remote of ['example.com/lib', 'golang.org/x/mod', '.hidden.example/x', 'x/.\\y'])
      expect([remote, isLocalPath(remote)]).toEqual([remote, false]);
  });
});
