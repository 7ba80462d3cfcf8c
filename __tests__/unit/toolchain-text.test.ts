/** What the summary and the advice say about a toolchain switch, for each way it was (or was not) obtained. */
import type { ToolchainReport } from '../../src/model/run-report.js';
import { toolchainAdvice, toolchainSentence } from '../../src/report/toolchain-text.js';

const base: ToolchainReport = {
  name: 'go1.27.3',
  local: 'go1.26.8',
  gotoolchain: 'auto',
  requestedBy: { directive: 'toolchain', file: '/w/app/go.mod', line: 5, text: 'toolchain go1.27.3' },
  module: 'golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64',
  source: 'proxy',
};

test.each<[Partial<ToolchainReport>, RegExp]>([
  [
    { source: 'proxy', proxy: 'https://a', step: 'retry', ms: 2300, switched: 'go version go1.27.3 linux/amd64' },
    /: downloaded from https:\/\/a, after retries in 2\.3 s; with GOPROXY=off the project's go says "go version go1\.27\.3 linux\/amd64"\.$/,
  ],
  [{ source: 'ci-cache', step: 'cache', ms: 40 }, /: restored with the CI cache in 0\.0 s\.$/],
  [{ source: 'module-cache', step: 'cache' }, /: already in the module cache\.$/],
  [{ source: 'path' }, /: found on PATH: the go command runs it, nothing to download\.$/],
  [{ source: 'not-warmed' }, /: not fetched ahead \(prewarm is off\): the first go command downloads it through GOPROXY\.$/],
])('%j', (extra, want) => {
  const text = toolchainSentence({ ...base, ...extra }, '/w/app');
  expect(text).toMatch(
    /^Go toolchain go1\.27\.3 \(asked by toolchain go1\.27\.3 at go\.mod:5; the runner has go1\.26\.8, GOTOOLCHAIN=auto\)/,
  );
  expect(text).toMatch(want);
  expect(toolchainAdvice({ ...base, ...extra })).toBeUndefined();
});

test('advice: a missing version is not retried, a flaky proxy is, a refused setting is fixed', () => {
  const missing = toolchainAdvice(
    { ...base, source: 'failed', diagnosis: { code: 'unknown-revision', class: 'fatal', message: 'm', goMessage: '' } },
    '/w/app',
  );
  expect(missing).toMatch(
    /^No proxy has golang\.org\/toolchain@v0\.0\.1-go1\.27\.3\.linux-amd64: check toolchain go1\.27\.3 at go\.mod:5 .*re-running will not help\.$/,
  );
  const flaky = toolchainAdvice({
    ...base,
    source: 'failed',
    diagnosis: { code: 'http-5xx', class: 'transient', message: 'm', goMessage: '' },
  });
  expect(flaky).toMatch(/^The proxies failed to deliver go1\.27\.3: re-run when they recover/);
  expect(toolchainAdvice({ local: 'go1.26.8', gotoolchain: 'bash', source: 'invalid', problem: 'invalid GOTOOLCHAIN "bash"' })).toMatch(
    /^Fix GOTOOLCHAIN or the go\/toolchain line .*invalid GOTOOLCHAIN "bash"/,
  );
});
