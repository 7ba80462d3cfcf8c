/**
 * npm run bench:prefetch: the guard's time to a complete module cache (the
 * prefetch from go.sum, then go mod download finding everything local)
 * against plain `go mod download all`, with GOMAXPROCS as the runner has it
 * and with GOMAXPROCS=32, from an empty module cache.
 *
 * Worlds of 60 and 300 modules (chains of 6, so the graph has depth), one
 * proxy answering after 25 ms and after 100 ms (a CI runner far from its
 * proxy), and a world with a few large zips for the prefetching process's
 * peak memory. The guard runs as it ships (dist/index.js under the runner
 * emulator, cache off), so its time includes starting, probing and go's own
 * check of every file.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { hermeticGoEnv, makeGoProject, runGo } from '../__tests__/lab/go.js';
import { fromGoCommand, startGoProxy, type GoProxy, type ProxyRequest } from '../__tests__/lab/goproxy-server.js';
import { NO_EGRESS } from '../__tests__/lab/guard-case.js';
import { largeModuleOnDisk, moduleVersion, type ModuleVersion } from '../__tests__/lab/modules.js';
import { makeLabDir } from '../__tests__/lab/paths.js';
import { ensureLabPki } from '../__tests__/lab/pki.js';
import { runAction } from '../__tests__/lab/runner.js';

const REPS = Number(process.env.BENCH_REPS ?? 1);
const BIG_ZIPS = Number(process.env.BENCH_BIG_ZIPS ?? 4);
const BIG_ZIP_BYTES = Number(process.env.BENCH_BIG_ZIP_MB ?? 40) * 1024 * 1024;
const TRY_TIMEOUT_MS = 600_000;
/** BENCH_WORLDS=60@25,300@100,big@25 runs some worlds only. */
const WORLDS = (process.env.BENCH_WORLDS ?? '60@25,60@100,300@25,300@100,big@25').split(',');
const RSS_LIMIT_MIB = 150;
const pki = ensureLabPki();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** n modules in chains of 6: every sixth is required by the project, each requires the next in its chain. */
function chainWorld(n: number, tag: string): { modules: ModuleVersion[]; roots: ModuleVersion[] } {
  const name = (i: number) => `bench.example/${tag}${String(i).padStart(3, '0')}`;
  const modules: ModuleVersion[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const next = (i + 1) % 6 !== 0 && i + 1 < n ? modules.find((m) => m.path === name(i + 1)) : undefined;
    modules.unshift(
      moduleVersion({ path: name(i), version: `v1.${i % 4}.0`, requires: next ? [{ path: next.path, version: next.version }] : [] }),
    );
  }
  return { modules, roots: modules.filter((_, i) => i % 6 === 0) };
}

interface World {
  label: string;
  /** Where the large zips were written, removed when the world is done. */
  dir?: string;
  latencyMs: number;
  modules: ModuleVersion[];
  roots: ModuleVersion[];
  mainImports: boolean;
}

async function makeWorld(spec: string): Promise<World> {
  const [size = '60', latency = '25'] = spec.split('@');
  const latencyMs = Number(latency);
  if (size === 'big') {
    const dir = makeLabDir('bench-prefetch-bigzips');
    const big: ModuleVersion[] = [];
    for (let i = 0; i < BIG_ZIPS; i++)
      big.push(await largeModuleOnDisk({ path: `bench.example/big${i}`, version: 'v1.0.0', sizeBytes: BIG_ZIP_BYTES, dir }));
    const small = chainWorld(30, 'bz');
    return {
      label: `${BIG_ZIPS} x ${BIG_ZIP_BYTES >> 20} MB zips + 30 modules, ${latencyMs} ms`,
      dir,
      latencyMs,
      modules: [...small.modules, ...big],
      roots: [...small.roots, ...big],
      mainImports: false,
    };
  }
  const w = chainWorld(Number(size), `m${size}x`);
  return { label: `${size} modules, ${latencyMs} ms`, latencyMs, ...w, mainImports: true };
}

interface Sample {
  ms: number;
  /** The guard's warm step alone: from the proxies known to a complete, go-verified cache. */
  warmMs?: number;
  /** Module files (.mod/.zip/.info) asked of the proxy by go, and by the guard's prefetch. */
  goFiles: number;
  guardFiles: number;
  rssMiB?: number;
  note?: string;
}

const moduleFiles = (reqs: ProxyRequest[], agent: string) =>
  reqs.filter((q) => (agent === 'go' ? fromGoCommand(q) : q.userAgent?.startsWith(agent)) && ['mod', 'zip', 'info'].includes(q.kind))
    .length;

/** One cold run in a fresh lab: an empty module cache, one proxy answering after the world's latency. */
async function cold(w: World, kind: 'guard' | 'go' | 'go32'): Promise<Sample> {
  const p: GoProxy = await startGoProxy({ modules: w.modules });
  await p.setFault({ slow: w.latencyMs });
  const lab = makeLabDir(`bench-prefetch-${kind}`);
  const dir = path.join(lab, 'project');
  try {
    makeGoProject(dir, { requires: w.roots, world: w.modules, mainImports: w.mainImports });
    const env = { ...hermeticGoEnv(lab, { ...NO_EGRESS, GOPROXY: 'off' }), NODE_EXTRA_CA_CERTS: pki.caCert };
    if (kind === 'guard') {
      const r = await runAction({ cwd: dir, inputs: { proxies: p.url, cache: 'false', serve: 'false' }, env, timeoutMs: TRY_TIMEOUT_MS });
      if (process.env.BENCH_DEBUG) console.log(r.stdout);
      if (r.code !== 0 || r.outputs['ladder-step'] !== 'proxy') throw new Error(`guard failed in ${w.label}: ${r.stdout.slice(-2000)}`);
      const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8')) as {
        warm: {
          downloadMs: number;
          ladder: { ms: number }[];
          prefetch: { ms: number; maxRssMiB: number; fetched: number; planned: number; absorbed: number; concurrency: number };
        };
      };
      const pf = report.warm.prefetch;
      const sec = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
      return {
        ms: r.durationMs,
        warmMs: report.warm.downloadMs,
        goFiles: moduleFiles(p.requests, 'go'),
        guardFiles: moduleFiles(p.requests, 'go-proxy-guard (serve)'),
        rssMiB: pf.maxRssMiB,
        note: `prefetch ${pf.fetched}/${pf.planned} files in ${sec(pf.ms)} (${pf.concurrency} at a time, ${pf.absorbed} absorbed), then go mod download ${sec(report.warm.ladder[0]?.ms ?? 0)}`,
      };
    }
    const started = performance.now();
    const r = await runGo(['mod', 'download', 'all'], {
      cwd: dir,
      env: { ...env, GOPROXY: p.url, ...(kind === 'go32' ? { GOMAXPROCS: '32' } : {}) },
      timeoutMs: TRY_TIMEOUT_MS,
    });
    if (r.code !== 0) throw new Error(`go failed in ${w.label}: ${r.stderr.slice(-2000)}`);
    return { ms: performance.now() - started, goFiles: moduleFiles(p.requests, 'go'), guardFiles: 0 };
  } finally {
    await p.close();
    rmSync(lab, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(
    `go-proxy-guard bench:prefetch: cold module cache, one proxy per world, median of ${REPS} run(s); this machine has GOMAXPROCS=${(await import('node:os')).availableParallelism()}`,
  );
  const rows: string[] = [];
  const verdicts: string[] = [];
  const pad = (s: string, n: number) => s.padEnd(n);
  const header = `${pad('world', 34)} ${'guard'.padStart(8)} ${'warm'.padStart(8)} ${'go'.padStart(8)} ${'go x32'.padStart(8)} ${'vs go'.padStart(10)} ${'vs x32'.padStart(10)} ${'requests guard/go'.padStart(18)} ${'RSS'.padStart(7)}  note`;
  rows.push(header);
  console.log(header);
  for (const spec of WORLDS) {
    const w = await makeWorld(spec);
    const runs = { guard: [] as Sample[], go: [] as Sample[], go32: [] as Sample[] };
    try {
      for (let i = 0; i < REPS; i++) for (const kind of ['guard', 'go', 'go32'] as const) runs[kind].push(await cold(w, kind));
    } finally {
      if (w.dir) rmSync(w.dir, { recursive: true, force: true });
    }
    const g = median(runs.guard.map((s) => s.ms));
    const warm = median(runs.guard.map((s) => s.warmMs ?? s.ms));
    const plain = median(runs.go.map((s) => s.ms));
    const x32 = median(runs.go32.map((s) => s.ms));
    const last = runs.guard[runs.guard.length - 1] as Sample;
    const goReqs = (runs.go[0] as Sample).goFiles;
    const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`.padStart(8);
    const row = `${pad(w.label, 34)} ${s(g)} ${s(warm)} ${s(plain)} ${s(x32)} ${`${(plain / g).toFixed(1)}/${(plain / warm).toFixed(1)}x`.padStart(10)} ${`${(x32 / g).toFixed(1)}/${(x32 / warm).toFixed(1)}x`.padStart(10)} ${`${last.guardFiles}+${last.goFiles}/${goReqs}`.padStart(18)} ${`${last.rssMiB ?? '-'}M`.padStart(7)}  ${last.note ?? ''}`;
    rows.push(row);
    console.log(row);
    for (const [what, t] of [
      ['whole step', g],
      ['warm step', warm],
    ] as const) {
      if (w.latencyMs >= 100) {
        verdicts.push(
          `${w.label}, ${what}: >=5x faster than plain go: ${(plain / t).toFixed(1)}x ${plain / t >= 5 ? 'MET' : 'MISSED'}; >=3x faster than GOMAXPROCS=32: ${(x32 / t).toFixed(1)}x ${x32 / t >= 3 ? 'MET' : 'MISSED'}`,
        );
      } else {
        verdicts.push(`${w.label}, ${what}: never slower than plain go: ${(plain / t).toFixed(1)}x ${t <= plain ? 'MET' : 'MISSED'}`);
      }
    }
    const ratio = (last.guardFiles + last.goFiles) / goReqs;
    verdicts.push(`${w.label}: requests at most 1.2x go's: ${ratio.toFixed(2)}x ${ratio <= 1.2 ? 'MET' : 'MISSED'}`);
    if (spec.startsWith('big'))
      verdicts.push(
        `${w.label}: peak RSS of the prefetching process < ${RSS_LIMIT_MIB} MiB: ${last.rssMiB} MiB ${(last.rssMiB ?? Infinity) < RSS_LIMIT_MIB ? 'MET' : 'MISSED'}`,
      );
  }
  console.log('');
  console.log(rows.join('\n'));
  console.log('');
  console.log('guard: the whole action (Node start, go env, probe, prefetch, go mod download checking every file, report), cache off;');
  console.log(
    'warm: its warm step (report.warm.downloadMs: prefetch + go mod download); vs: plain go / guard (whole / warm); requests: prefetch + go / plain go',
  );
  console.log(
    `load average when done: ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  for (const v of verdicts) console.log(`target: ${v}`);
}

await main();
