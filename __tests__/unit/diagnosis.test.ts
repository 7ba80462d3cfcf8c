import { diagnoseGo, moduleNamed } from '../../src/diagnosis/go-output.js';
import { judgeAnswer } from '../../src/probe/answer.js';
import type { ProbeRequest } from '../../src/probe/plan.js';
import { planProbe } from '../../src/probe/plan.js';

const d = (stderr: string) => diagnoseGo(stderr, [], { timedOut: false, timeoutMs: 1000 });

describe('go command failures are classified from its own words', () => {
  test.each([
    [
      'verifying example.com/alpha@v1.1.0: checksum mismatch\n\tdownloaded: h1:x\n\tgo.sum:     h1:y\n\nSECURITY ERROR',
      'checksum-mismatch',
      'fatal',
      'example.com/alpha@v1.1.0',
    ],
    // A proxy's 404 says "unknown revision" even when it only lags behind: a miss, so direct is still tried.
    [
      'go: example.com/alpha@v9.9.9: reading http://127.0.0.1:1/example.com/alpha/@v/v9.9.9.info: 404 Not Found\n\tserver response: not found: unknown revision v9.9.9',
      'not-found',
      'proxy-miss',
      'example.com/alpha@v9.9.9',
    ],
    ['go: example.com/alpha@v9.9.9: invalid version: unknown revision v9.9.9', 'unknown-revision', 'fatal', 'example.com/alpha@v9.9.9'],
    [
      'go: example.com/beta@v0.2.0: reading http://127.0.0.1:1/example.com/beta/@v/v0.2.0.zip: 503 Service Unavailable',
      'http-5xx',
      'transient',
      'example.com/beta@v0.2.0',
    ],
    [
      'go: example.com/beta@v0.2.0: Get "https://proxy.golang.org/x": stream error: stream ID 5; INTERNAL_ERROR',
      'reset',
      'transient',
      'example.com/beta@v0.2.0',
    ],
    ['go: zip: not a valid zip file', 'corrupt-zip', 'proxy-broken', undefined],
    [
      'go: example.com/alpha@v1.1.0: reading https://127.0.0.1:1/x: x509: certificate has expired or is not yet valid',
      'tls-expired',
      'proxy-broken',
      'example.com/alpha@v1.1.0',
    ],
    ['go: example.com/alpha@v1.1.0: module lookup disabled by GOPROXY=off', 'not-found', 'proxy-miss', 'example.com/alpha@v1.1.0'],
    [
      'go: example.com/alpha@v1.1.0: reading http://x/@v/v1.1.0.mod: 429 Too Many Requests',
      'rate-limited',
      'transient',
      'example.com/alpha@v1.1.0',
    ],
  ])('%s', (stderr, code, cls, module) => {
    const diag = d(stderr);
    expect([diag.code, diag.class, diag.module]).toEqual([code, cls, module]);
  });

  test('a checksum mismatch beside a network error is still fatal', () => {
    expect(d('go: a@v1: 503 Service Unavailable\nverifying b.example/x@v1.0.0: checksum mismatch').class).toBe('fatal');
  });

  test('a killed go is a timeout', () => {
    expect(diagnoseGo('', [], { timedOut: true, timeoutMs: 5000 }).message).toBe('go gave no result within 5000 ms (killed)');
  });

  test('module names', () => {
    expect(moduleNamed('go: example.com/!upper/case@v1.0.0: reading')).toBe('example.com/!upper/case@v1.0.0');
    expect(moduleNamed('go: example.com/Upper/Case@v1.0.0/go.mod: verifying')).toBe('example.com/Upper/Case@v1.0.0');
  });
});

describe('proxy answers are judged as the go command would use them', () => {
  const [list, info, mod, zip] = planProbe({
    modules: [{ path: 'example.com/Upper/Case', version: 'v1.0.0' }],
    samples: 1,
    sumdb: 'sum.golang.org',
  }) as ProbeRequest[];
  const a = (status: number, body: string | Buffer, contentType = 'text/plain') => ({ status, contentType, body: Buffer.from(body) });

  test('requests are case-encoded', () => {
    expect([list!.path, info!.path, mod!.path, zip!.path]).toEqual([
      'example.com/!upper/!case/@v/list',
      'example.com/!upper/!case/@v/v1.0.0.info',
      'example.com/!upper/!case/@v/v1.0.0.mod',
      'example.com/!upper/!case/@v/v1.0.0.zip',
    ]);
  });
  test('a captive portal 200 is broken, not a success', () => {
    expect(judgeAnswer(info!, a(200, '<!DOCTYPE html><html>Log in</html>', 'text/html')).failure?.code).toBe('html');
  });
  test('an .info for another version is broken', () => {
    expect(judgeAnswer(info!, a(200, '{"Version":"v1.0.1"}')).failure?.code).toBe('version-mismatch');
    expect(judgeAnswer(info!, a(200, '{"Version":"v1.0.0","Time":"2020-01-01T00:00:00Z"}')).ok).toBe(true);
  });
  test('a 404 for a needed version is stale for this project', () => {
    const j = judgeAnswer(mod!, a(404, 'not found'));
    expect([j.ok, j.failure?.code, j.stale]).toEqual([false, 'stale', 'example.com/Upper/Case@v1.0.0']);
  });
  test('a list that lacks the needed version is stale', () => {
    expect(judgeAnswer(list!, a(200, 'v0.9.0\n')).stale).toBe('example.com/Upper/Case@v1.0.0');
    expect(judgeAnswer(list!, a(200, 'v0.9.0\nv1.0.0\n')).ok).toBe(true);
  });
  test('a zip must start with the zip magic', () => {
    expect(judgeAnswer(zip!, a(206, Buffer.from([0x50, 0x4b, 0x03, 0x04]))).ok).toBe(true);
    expect(judgeAnswer(zip!, a(200, 'garbage')).failure?.code).toBe('corrupt-zip');
  });
  test('5xx and 429 are transient failures', () => {
    expect(judgeAnswer(info!, a(503, '')).failure?.class).toBe('transient');
    expect(judgeAnswer(info!, a(429, '')).failure?.code).toBe('rate-limited');
  });
});
