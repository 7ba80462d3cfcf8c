/**
 * The fault matrix (issue 17): every fault a proxy can have, against every
 * path that may remain, for real: the bundled action, the real go command,
 * loopback proxies, a loopback module origin for `direct`, the real
 * @actions/cache against the lab cache service, a real vendor/.
 *
 * A cell passes when
 * - the job succeeds whenever a path remains, and fails when none does;
 * - the faulty proxy's entry in the report names the fault (its failure code
 *   and class, from the probe or from the warm);
 * - no corrupt or tampered module is ever accepted: every zip left in the
 *   module cache is byte for byte the lab's own.
 *
 * Proxies, the origin, the seeded CI cache and the vendored project are
 * shared by every cell; the five cells of a fault run at once.
 *
 * `direct` here is the go command's own direct mode: HTTP(S)_PROXY points at
 * a loopback forward proxy (lab/module-origin.ts) that answers the
 * `?go-get=1` discovery with a `mod` go-import naming a clean lab server as
 * the modules' origin (GOINSECURE lets discovery use plain HTTP). Discovery,
 * download and the go.sum check are go's; only git over the internet is
 * replaced.
 *
 * DNS failure: a proxy host whose first label is 64 characters long. Both
 * Node's getaddrinfo and go's resolver reject it before sending a query, so
 * the failure is real and no packet leaves the machine.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startCacheServer, type CacheServer } from './lab/cache-server.js';
import { removeDirForce, vendorProject } from './lab/go.js';
import { faultName, startGoProxy, type Fault, type GoProxy } from './lab/goproxy-server.js';
import { guardCase, world, type GuardCase, type GuardReport } from './lab/guard-case.js';
import { startModuleOrigin, type ModuleOrigin } from './lab/module-origin.js';
import { escapePath } from './lab/modules.js';
import { makeLabDir } from './lab/paths.js';

type Path = 'another healthy proxy' | 'only direct' | 'only the CI cache' | 'only vendor/' | 'nothing';
const PATHS: Path[] = ['another healthy proxy', 'only direct', 'only the CI cache', 'only vendor/', 'nothing'];

interface FaultCase {
  name: string;
  /** How the faulty proxy is made. */
  proxy: { fault?: Fault; scope?: { path: RegExp }; tls?: 'expired' | 'untrusted'; dns?: true };
  /** What its report entry must say: failure codes allowed, the class, and the verdicts allowed. */
  expect: { codes: string[]; cls: string; verdicts: string[] } | 'usable';
  /** Paths that do not count as one for this fault (and why, in the name). */
  notAPath?: Path[];
  /** The fault shows only while downloading zips: a complete restored cache never asks for one. */
  onlyOnDownload?: true;
}

const ZIP = { path: /\.zip$/ };
const FAULTS: FaultCase[] = [
  { name: '503', proxy: { fault: { status: 503 } }, expect: { codes: ['http-5xx'], cls: 'transient', verdicts: ['down'] } },
  {
    name: '429',
    proxy: { fault: { status: 429, retryAfter: 1 } },
    expect: { codes: ['rate-limited'], cls: 'transient', verdicts: ['down'] },
  },
  {
    name: '404',
    proxy: { fault: { notFound: 404 } },
    expect: { codes: ['stale', 'not-found'], cls: 'proxy-miss', verdicts: ['stale', 'down'] },
  },
  {
    name: '410',
    proxy: { fault: { notFound: 410 } },
    expect: { codes: ['stale', 'not-found'], cls: 'proxy-miss', verdicts: ['stale', 'down'] },
  },
  { name: 'hang', proxy: { fault: 'hang' }, expect: { codes: ['timeout'], cls: 'transient', verdicts: ['down'] } },
  // 700 ms per answer, every answer right: a usable proxy, so it is a path of its own.
  { name: 'slow', proxy: { fault: { slow: 700 } }, expect: 'usable' },
  {
    name: 'reset mid-body',
    proxy: { fault: 'reset', scope: ZIP },
    expect: { codes: ['reset'], cls: 'transient', verdicts: ['down'] },
    onlyOnDownload: true,
  },
  {
    name: 'corrupt zip',
    proxy: { fault: 'corrupt-zip', scope: ZIP },
    expect: { codes: ['corrupt-zip'], cls: 'proxy-broken', verdicts: ['broken'] },
  },
  // vendor/ is never checked against go.sum: it is not used to get past a checksum mismatch.
  {
    name: 'tampered zip',
    proxy: { fault: 'tampered-zip', scope: ZIP },
    expect: { codes: ['checksum-mismatch'], cls: 'fatal', verdicts: ['broken'] },
    notAPath: ['only vendor/'],
    onlyOnDownload: true,
  },
  { name: 'expired TLS', proxy: { tls: 'expired' }, expect: { codes: ['tls-expired'], cls: 'proxy-broken', verdicts: ['broken'] } },
  { name: 'untrusted TLS', proxy: { tls: 'untrusted' }, expect: { codes: ['tls-untrusted'], cls: 'proxy-broken', verdicts: ['broken'] } },
  { name: 'HTML 200', proxy: { fault: 'html' }, expect: { codes: ['html'], cls: 'proxy-broken', verdicts: ['broken'] } },
  { name: 'connection refused', proxy: { fault: 'refused' }, expect: { codes: ['refused'], cls: 'transient', verdicts: ['down'] } },
  { name: 'DNS failure', proxy: { dns: true }, expect: { codes: ['dns'], cls: 'transient', verdicts: ['down'] } },
];

const DNS_FAILURE_URL = `http://${'a'.repeat(64)}.invalid`;
/** Inputs every cell shares: bounded, quick, no local proxy (the matrix is about the ladder). */
const BASE = {
  serve: 'false',
  'probe-timeout': '1500ms',
  retries: '1',
  'retry-backoff': '100ms',
  'download-timeout': '20s',
  'alert-on': 'never',
};

const proxies = new Map<string, GoProxy>();
let healthy: GoProxy;
let originSource: GoProxy;
let origin: ModuleOrigin;
let cacheServer: CacheServer;
let cacheModcache: string;
let vendoredDir: string;
const lab = makeLabDir('fault-matrix');
const open: GoProxy[] = [];
const start = async (opts: Parameters<typeof startGoProxy>[0] = {}) => {
  const p = await startGoProxy({ modules: world, ...opts });
  open.push(p);
  return p;
};

/** The lab's zips by their path under cache/download: anything else there was accepted from a faulty source. */
const genuine = new Map(world.map((m) => [path.join(escapePath(m.path), '@v', `${escapePath(m.version)}.zip`), sha256(m.zip)]));
function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
function foreignZips(gomodcache: string): string[] {
  const dir = path.join(gomodcache, 'cache', 'download');
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of existsSync(d) ? readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.zip') && genuine.get(path.relative(dir, p)) !== sha256(readFileSync(p))) out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

beforeAll(async () => {
  healthy = await start({});
  // Slower than every faulty proxy, so a fault that shows only while warming is met first.
  await healthy.setFault({ slow: 100 });
  originSource = await start({});
  origin = await startModuleOrigin(originSource.url);
  for (const f of FAULTS) {
    if (f.proxy.dns) continue;
    const p = await start({ tls: f.proxy.tls ?? 'none' });
    if (f.proxy.fault) await p.setFault(f.proxy.fault, f.proxy.scope);
    proxies.set(f.name, p);
  }
  // The CI cache: one good run saves the module cache; every cache cell restores it into the same path.
  cacheServer = await startCacheServer({ protocol: 'v2' });
  cacheModcache = path.join(lab, 'cache-cells-modcache');
  const seed = guardCase('matrix-seed', { goEnv: { GOMODCACHE: cacheModcache } });
  const main = await seed.run({ ...BASE, proxies: originSource.url }, { env: { ...cacheServer.env } });
  if (main.code !== 0) throw new Error(`seeding the CI cache failed:\n${main.stdout}`);
  const post = await seed.post(main, { env: { ...cacheServer.env } });
  if (!/cache: saved/.test(post.stdout)) throw new Error(`seeding the CI cache saved nothing:\n${post.stdout}`);
  // The vendored project: every vendor cell uses it (its go.mod and go.sum are the same as everyone's).
  const v = guardCase('matrix-vendored');
  await vendorProject(v.project.dir, { ...v.env, GOPROXY: originSource.url });
  vendoredDir = v.project.dir;
}, 120_000);

afterAll(async () => {
  await Promise.all(open.map((p) => p.close()));
  await origin?.close();
  await cacheServer?.close();
});

interface Cell {
  c: GuardCase;
  r: Awaited<ReturnType<GuardCase['run']>>;
  gomodcache: string;
}

async function runCell(f: FaultCase, where: Path): Promise<Cell> {
  const url = f.proxy.dns ? DNS_FAILURE_URL : (proxies.get(f.name) as GoProxy).url;
  const slug = `matrix-${f.name}-${where}`.replace(/[^a-z0-9]+/gi, '-');
  // Nothing but loopback and the unresolvable host is ever contacted directly; everything else goes to the origin (or a dead port).
  const noProxy = { NO_PROXY: '127.0.0.1,localhost,.invalid', no_proxy: '127.0.0.1,localhost,.invalid' };
  const inputs: Record<string, string> = { ...BASE, proxies: url, direct: 'false', cache: 'false', 'vendor-fallback': 'false' };
  let env: Record<string, string> = { ...noProxy };
  let goEnv: Record<string, string> = {};
  let projectDir: string | undefined;
  switch (where) {
    case 'another healthy proxy':
      inputs.proxies = `${url}\n${healthy.url}`;
      break;
    case 'only direct':
      inputs.direct = 'true';
      env = { ...origin.env(), ...noProxy };
      goEnv = env;
      break;
    case 'only the CI cache':
      inputs.cache = 'true';
      env = { ...cacheServer.env, ...noProxy };
      goEnv = { GOMODCACHE: cacheModcache };
      removeDirForce(cacheModcache);
      break;
    case 'only vendor/':
      inputs['vendor-fallback'] = 'true';
      projectDir = vendoredDir;
      break;
    case 'nothing':
      break;
  }
  const c = guardCase(slug, { goEnv, ...(projectDir ? { projectDir } : {}) });
  const r = await c.run(inputs, { env });
  return { c, r, gomodcache: c.env.GOMODCACHE as string };
}

function checkCell(f: FaultCase, where: Path, { r, gomodcache }: Cell): string[] {
  const problems: string[] = [];
  const report: GuardReport = r.report;
  if (!report) return [`no report (exit ${r.code}):\n${r.stdout.slice(-2000)}`];
  const pathRemains = where !== 'nothing' && !f.notAPath?.includes(where);
  const succeeds = f.expect === 'usable' || pathRemains;
  if ((r.code === 0) !== succeeds)
    problems.push(
      `exit ${r.code}, expected ${succeeds ? 0 : 1}; ladder: ${JSON.stringify(report.warm?.ladder?.map((x: { step: string; outcome: string; reason: string }) => `${x.step}:${x.outcome} ${x.reason}`))}`,
    );
  if (!succeeds && report.warm?.ladderStep !== 'failed') problems.push(`ladder-step ${report.warm?.ladderStep}, expected failed`);
  const url = f.proxy.dns ? DNS_FAILURE_URL : (proxies.get(f.name) as GoProxy).url;
  const e = report.proxies.find((p: { url: string }) => p.url === url);
  if (!e) problems.push(`no report entry for the faulty proxy ${url}`);
  else if (f.expect === 'usable') {
    if (!['healthy', 'slow'].includes(e.verdict)) problems.push(`verdict ${e.verdict} for a slow but correct proxy`);
    if (e.warmFailure) problems.push(`warm failure ${JSON.stringify(e.warmFailure)} for a slow but correct proxy`);
  } else {
    const failure = e.warmFailure ?? e.failure;
    // A fault that shows only in a zip's body is not met when the restored cache already holds every zip.
    // A fault that shows only in a zip's body cannot be met when nothing asked the faulty proxy for one:
    // a complete cache, or a healthy proxy that led and served everything first time.
    const led = report.warm?.ladder?.[0];
    const neverAsked = led?.outcome === 'ok' && led.step === 'proxy' && !(led.detail ?? '').startsWith(`GOPROXY=${url}`);
    const unmet = f.onlyOnDownload && !failure && (where === 'only the CI cache' || neverAsked);
    if (!unmet) {
      if (!failure) problems.push(`no failure on ${url} (verdict ${e.verdict}); ladder: ${JSON.stringify(report.warm?.ladder)}`);
      else {
        if (!f.expect.codes.includes(failure.code))
          problems.push(`failure code ${failure.code} (${failure.message}), expected ${f.expect.codes.join('|')}`);
        if (failure.class !== f.expect.cls) problems.push(`failure class ${failure.class}, expected ${f.expect.cls}`);
      }
      if (!f.expect.verdicts.includes(e.verdict)) problems.push(`verdict ${e.verdict}, expected ${f.expect.verdicts.join('|')}`);
    }
  }
  const foreign = foreignZips(gomodcache);
  if (foreign.length > 0) problems.push(`zips that are not the lab's were accepted: ${foreign.join(', ')}`);
  if (r.code !== 0 && report.warm?.ladderStep === 'failed' && !/proxies: /.test(report.warm.cause ?? ''))
    problems.push(`the cause does not say what the proxies answered: ${report.warm?.cause}`);
  return problems;
}

describe('fault matrix: every fault against every remaining path', () => {
  test.each(FAULTS.map((f) => [f.name, f] as const))(
    '%s',
    async (_name, f) => {
      const cells = await Promise.all(PATHS.map(async (where) => [where, await runCell(f, where)] as const));
      const problems: string[] = [];
      for (const [where, cell] of cells) {
        for (const p of checkCell(f, where, cell)) problems.push(`${f.name} x ${where}: ${p}`);
        // A job that succeeded left a module cache a later step can build from, verified.
        if (cell.r.code === 0 && cell.r.report?.warm?.ladderStep !== 'vendor') {
          const verify = await cell.c.go(['mod', 'verify'], { GOPROXY: 'off', GOMODCACHE: cell.gomodcache });
          if (verify.stdout.trim() !== 'all modules verified')
            problems.push(`${f.name} x ${where}: go mod verify: ${verify.stdout}${verify.stderr}`);
        }
      }
      expect(problems).toEqual([]);
      // Each cell says which fault it met: the lab proxy saw the fault applied (DNS: no server at all).
      if (!f.proxy.dns && !f.proxy.tls && f.proxy.fault !== 'refused') {
        expect((proxies.get(f.name) as GoProxy).requests.some((q) => q.fault === faultName(f.proxy.fault as Fault))).toBe(true);
      }
    },
    120_000,
  );
});
