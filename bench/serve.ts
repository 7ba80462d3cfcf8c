/**
 * npm run bench:serve: the local proxy (serve) against the plain chain.
 *
 * A cold `go mod download all` of a project with MODULES dependencies, from
 * two upstreams answering after LATENCY_MS, through (1) the chain teams use
 * today, "a,b" (go falls through only on 404/410), and (2) the local proxy
 * in front of a and b, run as it ships: dist/cli/index.js started as the
 * background process. Then the proxy's peak memory and peak spill on disk
 * while it serves a 200 MB zip, and while an upstream sends an endless zip
 * body (cut at the go command's 500 MiB module zip limit).
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hermeticGoEnv, makeGoProject, runGo } from '../__tests__/lab/go.js';
import { startGoProxy, type Fault, type GoProxy } from '../__tests__/lab/goproxy-server.js';
import { NO_EGRESS } from '../__tests__/lab/guard-case.js';
import { largeModuleOnDisk, moduleVersion, type ModuleVersion } from '../__tests__/lab/modules.js';
import { makeLabDir, repoRoot } from '../__tests__/lab/paths.js';
import { NO_CREDENTIALS } from '../src/goproxy/goauth.js';
import { launchDaemon, stopDaemon } from '../src/serve/daemon.js';
import type { ServeStats } from '../src/model/serve-stats.js';

const MODULES = Number(process.env.BENCH_MODULES ?? 60);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 25);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const SLOW_REPS = Number(process.env.BENCH_SLOW_REPS ?? 3);
const BIG_ZIP_BYTES = Number(process.env.BENCH_BIG_ZIP_MB ?? 200) * 1024 * 1024;
const TRY_TIMEOUT_MS = 300_000;
const CLI = path.join(repoRoot, 'dist', 'cli', 'index.js');
/** BENCH_ONLY=a,b,c,memory,endless runs some cases only. */
const ONLY = new Set((process.env.BENCH_ONLY ?? 'a,b,c,memory,endless').split(','));

const world: ModuleVersion[] = Array.from({ length: MODULES }, (_, i) =>
  moduleVersion({ path: `bench.example/srv${String(i).padStart(3, '0')}`, version: `v1.${i % 5}.0` }),
);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function upstream(fault: Fault, modules = world): Promise<GoProxy> {
  const p = await startGoProxy({ modules });
  await p.setFault({ slow: LATENCY_MS });
  if (fault !== 'ok') await p.setFault(fault);
  return p;
}

interface Run {
  ok: boolean;
  ms: number;
  stats?: ServeStats;
  peakRssKiB?: number;
}

/** One cold download, through the plain chain or the local proxy. */
async function download(name: string, firstFault: Fault, viaLocal: boolean, modules = world, requires = world): Promise<Run> {
  const a = await upstream(firstFault, modules);
  const b = await upstream('ok', modules);
  const lab = makeLabDir(`bench-serve-${name}`);
  const dir = path.join(lab, 'project');
  makeGoProject(dir, { requires, world: modules, mainImports: requires.every((m) => m.packageName) });
  const env = hermeticGoEnv(lab, { ...NO_EGRESS, GOPROXY: 'off' });
  let handle;
  try {
    let goproxy = `${a.url},${b.url}`;
    if (viaLocal) {
      // As the probe measured the upstreams before the first one turned bad.
      handle = await launchDaemon(CLI, {
        upstreams: [a, b].map((u) => ({ url: u.url, p95Ms: LATENCY_MS + 5 })),
        credentials: NO_CREDENTIALS,
        moduleCache: path.join(env.GOMODCACHE as string, 'cache', 'download'),
        retries: 3,
        dir: path.join(lab, 'serve'),
        idleTimeoutMs: 600_000,
        requestTimeoutMs: 60_000,
        watchPid: process.pid,
      });
      goproxy = `${handle.url}|${a.url}|${b.url}`;
    }
    const started = performance.now();
    const r = await runGo(['mod', 'download', 'all'], { cwd: dir, env: { ...env, GOPROXY: goproxy }, timeoutMs: TRY_TIMEOUT_MS });
    const ms = performance.now() - started;
    const peakRssKiB = handle ? vmHwm(handle.pid) : undefined;
    const stats = handle ? await stopDaemon(handle) : undefined;
    handle = undefined;
    return { ok: r.code === 0, ms, stats, peakRssKiB };
  } finally {
    // Only when the download itself threw: the proxy must not outlive its world.
    if (handle) await stopDaemon(handle);
    await a.close();
    await b.close();
    rmSync(lab, { recursive: true, force: true });
  }
}

/** One go command asking a lone upstream whose zip bodies never end: how long, and what the proxy held meanwhile. */
async function endless(): Promise<Run & { status: string }> {
  const a = await startGoProxy({ modules: world });
  await a.setFault({ endless: true }, { path: /\.zip$/ });
  const lab = makeLabDir('bench-serve-endless');
  const dir = path.join(lab, 'project');
  const one = world.slice(0, 1);
  makeGoProject(dir, { requires: one, world, mainImports: one.every((m) => m.packageName) });
  const env = hermeticGoEnv(lab, { ...NO_EGRESS, GOPROXY: 'off' });
  let handle;
  try {
    handle = await launchDaemon(CLI, {
      upstreams: [{ url: a.url, p95Ms: LATENCY_MS + 5 }],
      credentials: NO_CREDENTIALS,
      moduleCache: undefined,
      retries: 0,
      dir: path.join(lab, 'serve'),
      idleTimeoutMs: 600_000,
      requestTimeoutMs: 60_000,
      watchPid: process.pid,
    });
    const started = performance.now();
    const r = await runGo(['mod', 'download', 'all'], { cwd: dir, env: { ...env, GOPROXY: handle.url }, timeoutMs: TRY_TIMEOUT_MS });
    const ms = performance.now() - started;
    const peakRssKiB = vmHwm(handle.pid);
    const stats = await stopDaemon(handle);
    handle = undefined;
    const status = /(\d{3} Bad Gateway|reading .*: \d{3})/.exec(r.stderr)?.[0] ?? (r.code === 0 ? 'accepted?!' : `go exit ${r.code}`);
    return { ok: r.code !== 0 && (stats?.failed ?? 0) > 0, ms, stats, peakRssKiB, status };
  } finally {
    if (handle) await stopDaemon(handle);
    await a.close();
    rmSync(lab, { recursive: true, force: true });
  }
}

/** Peak resident memory of a process (VmHWM), in KiB. */
function vmHwm(pid: number): number | undefined {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

async function repeat(reps: number, fn: () => Promise<Run>, only?: string): Promise<Run[]> {
  const out: Run[] = [];
  if (only && !ONLY.has(only)) return out;
  for (let i = 0; i < reps; i++) out.push(await fn());
  return out;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
const okCount = (runs: Run[]) => `${runs.filter((r) => r.ok).length}/${runs.length} succeeded`;
const counters = (runs: Run[]) => {
  const s = runs.at(-1)?.stats;
  if (!s) return '';
  const [a, b] = s.upstreams;
  return `last run: ${s.requests} requests, first upstream ${a?.failures} failures (${a?.absorbed} absorbed), second ${b?.hedgesWon}/${b?.hedgesSent} hedges won, ${s.failed} failed`;
};

async function main(): Promise<void> {
  console.log(`go-proxy-guard serve bench: ${MODULES} modules, upstreams answer after ${LATENCY_MS} ms, cold go mod download all; medians`);
  const rows: [string, Run[], string][] = [];
  const plainHealthy = await repeat(REPS, () => download('plain-ok', 'ok', false), 'a');
  const localHealthy = await repeat(REPS, () => download('local-ok', 'ok', true), 'a');
  rows.push(
    ['(a) all healthy: plain a,b', plainHealthy, okCount(plainHealthy)],
    ['(a) all healthy: local proxy', localHealthy, `${okCount(localHealthy)}; ${counters(localHealthy)}`],
  );
  // 700 ms a request makes the plain chain take minutes, and always the same minutes: one run is its figure.
  const plainSlow = await repeat(1, () => download('plain-slow', { slow: 700 }, false), 'b');
  const localSlow = await repeat(SLOW_REPS, () => download('local-slow', { slow: 700 }, true), 'b');
  rows.push(
    ['(b) first slow 700 ms: plain a,b', plainSlow, okCount(plainSlow)],
    ['(b) first slow 700 ms: local proxy', localSlow, `${okCount(localSlow)}; ${counters(localSlow)}`],
  );
  const flaky: Fault = { failEvery: 5 };
  const plainFlaky = await repeat(REPS, () => download('plain-flaky', flaky, false), 'c');
  const localFlaky = await repeat(REPS, () => download('local-flaky', flaky, true), 'c');
  rows.push(
    ['(c) first fails 1 in 5: plain a,b', plainFlaky, okCount(plainFlaky)],
    ['(c) first fails 1 in 5: local proxy', localFlaky, `${okCount(localFlaky)}; ${counters(localFlaky)}`],
  );

  let bigRun: Run = { ok: false, ms: NaN };
  if (ONLY.has('memory')) {
    const bigLab = makeLabDir('bench-serve-big');
    const big = await largeModuleOnDisk({
      path: 'bench.example/big',
      version: 'v1.0.0',
      sizeBytes: BIG_ZIP_BYTES,
      dir: path.join(bigLab, 'zips'),
    });
    bigRun = await download('big', 'ok', true, [big], [big]);
    rmSync(bigLab, { recursive: true, force: true });
  }

  let endlessRun: Run & { status: string } = { ok: false, ms: NaN, status: 'not run' };
  if (ONLY.has('endless')) endlessRun = await endless();

  console.log('');
  console.log(`${'case'.padEnd(40)} ${'median'.padStart(8)}  note`);
  for (const [name, runs, note] of rows) console.log(`${name.padEnd(40)} ${secs(median(runs.map((r) => r.ms))).padStart(8)}  ${note}`);
  const mib = (n: number | undefined) => `${((n ?? 0) / (1 << 20)).toFixed(1)} MiB`;
  console.log(
    `${'200 MB zip through the local proxy'.padEnd(40)} ${secs(bigRun.ms).padStart(8)}  ${bigRun.ok ? 'accepted by go' : 'FAILED'}; proxy peak RSS ${mib((bigRun.peakRssKiB ?? 0) * 1024)}, peak spill ${mib(bigRun.stats?.spillPeakBytes)}`,
  );
  console.log(
    `${'endless zip body, lone upstream'.padEnd(40)} ${secs(endlessRun.ms).padStart(8)}  ${endlessRun.ok ? 'refused' : 'NOT REFUSED'} (${endlessRun.status}); proxy peak RSS ${mib((endlessRun.peakRssKiB ?? 0) * 1024)}, peak spill ${mib(endlessRun.stats?.spillPeakBytes)}`,
  );

  const ratioA = median(localHealthy.map((r) => r.ms)) / median(plainHealthy.map((r) => r.ms));
  const speedB = median(plainSlow.map((r) => r.ms)) / median(localSlow.map((r) => r.ms));
  const peakMiB = (bigRun.peakRssKiB ?? Infinity) / 1024;
  console.log('');
  console.log(`target (a) within 1.10x of the plain chain: ${ratioA.toFixed(2)}x ${ratioA <= 1.1 ? 'MET' : 'MISSED'}`);
  console.log(`target (b) at least 3x faster than the plain chain: ${speedB.toFixed(1)}x ${speedB >= 3 ? 'MET' : 'MISSED'}`);
  console.log(
    `target (c) completes every time where the plain chain fails: local ${okCount(localFlaky)}, plain ${okCount(plainFlaky)} ${localFlaky.every((r) => r.ok) ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `target: proxy peak memory under 100 MB serving a 200 MB zip: ${peakMiB.toFixed(1)} MiB ${peakMiB < 100 && bigRun.ok ? 'MET' : 'MISSED'}`,
  );
  const endlessSpill = endlessRun.stats?.spillPeakBytes ?? Infinity;
  console.log(
    `target: an endless zip is cut at 500 MiB, spill never past it, memory under 100 MB: spill ${mib(endlessSpill)}, RSS ${mib((endlessRun.peakRssKiB ?? Infinity) * 1024)} ${endlessRun.ok && endlessSpill <= 500 * (1 << 20) && (endlessRun.peakRssKiB ?? Infinity) < 100 * 1024 ? 'MET' : 'MISSED'}`,
  );
}

await main();
