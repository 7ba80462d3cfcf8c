import type { Failure } from '../diagnosis/failure.js';
import { formatGoproxy, shownChain, type Chain } from '../goproxy/chain.js';
import { matchesPrefixPatterns } from '../goproxy/private.js';
import type { GoEnv } from '../go/go-env.js';
import type { Project } from '../project/discover.js';
import { redactUrl } from '../secrets/secrets.js';

/**
 * What `go-proxy-guard doctor` says about a Go setup: each check takes the
 * facts gathered elsewhere (doctor.ts) and returns a verdict a person can
 * act on. Pure: values in, values out.
 */
export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail';

export interface DoctorCheck {
  id: 'go' | 'project' | 'goproxy' | 'private' | 'gosumdb' | 'vendor' | 'modcache';
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** Lines that explain it. */
  details: string[];
  /** What to change, when something should change. */
  fix?: string;
}

export function goCheck(goEnv: GoEnv, problem: string | undefined): DoctorCheck {
  if (problem)
    return {
      id: 'go',
      status: 'fail',
      summary: `the go command did not run: ${problem}`,
      details: [],
      fix: 'install Go and put the go command on PATH',
    };
  const details = goEnv.GOFLAGS ? [`GOFLAGS=${goEnv.GOFLAGS}`] : [];
  return { id: 'go', status: 'ok', summary: `${goEnv.GOVERSION} ${goEnv.GOOS}/${goEnv.GOARCH}`, details };
}

export function projectCheck(project: Project): DoctorCheck {
  if (project.layout === 'none') {
    return {
      id: 'project',
      status: 'info',
      summary: `no go.mod or go.work in ${project.root}: the module checks are skipped`,
      details: [],
    };
  }
  const direct = project.requirements.filter((r) => !r.indirect).length;
  const what =
    project.layout === 'workspace' ? `go.work with ${project.modules.length} modules` : `module ${project.modules[0]?.path ?? '(unnamed)'}`;
  const summary = `${what}: ${project.requirements.length} requirements (${direct} direct)`;
  const noSum = project.modules.filter((m) => !m.goSum && project.requirements.length > 0);
  if (noSum.length > 0) {
    return {
      id: 'project',
      status: 'warn',
      summary: `${summary}; no go.sum in ${noSum.map((m) => m.dir).join(', ')}`,
      details: ['Without go.sum every download is checked against the checksum database alone, and `go mod download` adds lines to it.'],
      fix: 'run go mod tidy and commit go.sum',
    };
  }
  return { id: 'project', status: 'ok', summary, details: [] };
}

/**
 * GOPROXY as the go command reads it, entry by entry, and the trap in it:
 * after a "," the go command moves on only when the proxy says 404 or 410.
 */
export function chainCheck(chain: Chain): DoctorCheck {
  const details = explainChain(chain);
  const shown = redactChain(chain);
  if (chain.length === 0 || (chain.length === 1 && chain[0]?.kind === 'off')) {
    return {
      id: 'goproxy',
      status: 'info',
      summary: `GOPROXY=${shown || '(empty)'}: no downloads at all; builds work only from the module cache or vendor/`,
      details,
    };
  }
  if (chain.every((e) => e.kind !== 'proxy')) {
    return {
      id: 'goproxy',
      status: 'info',
      summary: `GOPROXY=${shown}: no proxy; every module is fetched from its version control system`,
      details,
    };
  }
  const commas = chain.filter((e, i) => e.kind === 'proxy' && !e.fallBackOnError && i < chain.length - 1);
  if (commas.length > 0) {
    const fixed = formatGoproxy(shownChain(chain, redactUrl).map((e) => (e.kind === 'proxy' ? { ...e, fallBackOnError: true } : e)));
    return {
      id: 'goproxy',
      status: 'warn',
      summary: `GOPROXY=${shown}: "," after ${commas.map((e) => (e.kind === 'proxy' ? redactUrl(e.url) : e.kind)).join(', ')} makes one outage fail the build`,
      details: [
        ...details,
        'With "," the go command falls through to the next entry only when the proxy answers 404 or 410 (not found).',
        'One 503, 500, refused connection or reset fails the whole download instead of trying the next entry;',
        'with "|" the go command moves on after any error.',
        'Neither helps against a proxy that accepts the connection and never answers: the go command has no timeout',
        '(go-proxy-guard probe finds such proxies before the build does).',
      ],
      fix: `GOPROXY='${fixed}' (export it, or go env -w GOPROXY='${fixed}')`,
    };
  }
  return { id: 'goproxy', status: 'ok', summary: `GOPROXY=${shown}: every proxy falls through on any error ("|")`, details };
}

function explainChain(chain: Chain): string[] {
  return chain.map((e, i) => {
    const last = i === chain.length - 1;
    if (e.kind === 'direct') return 'direct: fetch from the version control system of each module';
    if (e.kind === 'off') return 'off: no network beyond this point; only the module cache';
    const url = redactUrl(e.url);
    if (last) return `${url}: last entry, its errors are final`;
    return e.fallBackOnError
      ? `${url} then "|": on any error, the next entry is tried`
      : `${url} then ",": only on 404/410 is the next entry tried; any other error is final`;
  });
}

const redactChain = (chain: Chain) => formatGoproxy(shownChain(chain, redactUrl));

/** GOPRIVATE / GONOPROXY / GONOSUMDB against the modules this project requires. */
export function privateCheck(goEnv: GoEnv, project: Project): DoctorCheck {
  // GONOPROXY and GONOSUMDB default to GOPRIVATE: show them only where they differ.
  const vars = [
    goEnv.GOPRIVATE ? `GOPRIVATE=${goEnv.GOPRIVATE}` : '',
    goEnv.GONOPROXY !== goEnv.GOPRIVATE ? `GONOPROXY=${goEnv.GONOPROXY}` : '',
    goEnv.GONOSUMDB !== goEnv.GOPRIVATE ? `GONOSUMDB=${goEnv.GONOSUMDB}` : '',
  ].filter(Boolean);
  if (vars.length === 0) {
    return {
      id: 'private',
      status: 'ok',
      summary: 'GOPRIVATE, GONOPROXY and GONOSUMDB are empty: every module goes through GOPROXY and the checksum database',
      details: [],
    };
  }
  const noProxy = project.requirements.filter((r) => matchesPrefixPatterns(goEnv.GONOPROXY, r.path)).map((r) => r.path);
  const sumdbOn = goEnv.GOSUMDB.trim() !== '' && goEnv.GOSUMDB.trim() !== 'off';
  const checkedAnyway = noProxy.filter((p) => sumdbOn && !matchesPrefixPatterns(goEnv.GONOSUMDB, p));
  const details = [
    ...vars,
    noProxy.length > 0
      ? `private (fetched with direct, never from a proxy): ${noProxy.join(', ')}`
      : 'no required module matches GONOPROXY: all of them go through GOPROXY',
  ];
  if (checkedAnyway.length > 0) {
    return {
      id: 'private',
      status: 'warn',
      summary: `${checkedAnyway.join(', ')} bypass the proxies but are still checked against ${goEnv.GOSUMDB}, which cannot know private modules`,
      details,
      fix: 'list them in GOPRIVATE (it sets GONOPROXY and GONOSUMDB at once), or add them to GONOSUMDB',
    };
  }
  const what = noProxy.length > 0 ? `${noProxy.length} required module(s) fetched with direct` : 'no required module bypasses the proxies';
  return { id: 'private', status: 'info', summary: `${vars.join(' ')}: ${what}`, details };
}

export interface SumdbAnswer {
  /** The proxy (credentials may be in it: shown redacted). */
  url: string;
  status?: number;
  failure?: Failure;
}

/** Whether the checksum database is reachable through the proxies (GET <proxy>/sumdb/<name>/supported). */
export function sumdbCheck(gosumdb: string, name: string | undefined, answers: SumdbAnswer[]): DoctorCheck {
  if (!name) {
    return {
      id: 'gosumdb',
      status: 'warn',
      summary: `GOSUMDB=${gosumdb || 'off'}: modules missing from go.sum are not verified against a checksum database`,
      details: [],
      fix: 'unset GOSUMDB (default sum.golang.org), or use GONOSUMDB for the modules it cannot know',
    };
  }
  if (answers.length === 0) {
    return { id: 'gosumdb', status: 'info', summary: `no proxy in GOPROXY: the go command contacts ${name} directly`, details: [] };
  }
  const lines = answers.map((a) => {
    const url = redactUrl(a.url);
    if (a.failure) return `${url}: ${a.failure.message}`;
    if (a.status === 200) return `${url}: serves ${name}`;
    return `${url}: does not proxy ${name} (HTTP ${a.status}); the go command then asks ${name} itself`;
  });
  const serving = answers.filter((a) => !a.failure && a.status === 200).length;
  const failed = answers.filter((a) => a.failure).length;
  if (serving > 0)
    return {
      id: 'gosumdb',
      status: failed ? 'warn' : 'ok',
      summary: `${serving} of ${answers.length} proxies serve the checksum database ${name}`,
      details: lines,
    };
  if (failed === answers.length) {
    return {
      id: 'gosumdb',
      status: 'warn',
      summary: `no proxy answered about ${name}: checksum lookups depend on reaching it directly`,
      details: lines,
    };
  }
  return {
    id: 'gosumdb',
    status: 'info',
    summary: `no proxy serves ${name}: the go command contacts it directly, so it must be reachable from here`,
    details: lines,
    fix: `allow https://${name}, or set GONOSUMDB for the modules it cannot know`,
  };
}

export function vendorCheck(project: Project, result: { ok: boolean; output: string } | undefined): DoctorCheck {
  if (project.layout === 'none') return { id: 'vendor', status: 'info', summary: 'no module: nothing to vendor', details: [] };
  if (!project.vendorDir || !result) {
    return {
      id: 'vendor',
      status: 'info',
      summary: 'no vendor/: when every proxy and direct fail, there is no vendored copy to build from',
      details: [],
    };
  }
  if (result.ok) {
    return {
      id: 'vendor',
      status: 'ok',
      summary: 'vendor/ is consistent with go.mod: go build -mod=vendor works with no network',
      details: [],
    };
  }
  return {
    id: 'vendor',
    status: 'fail',
    summary: 'vendor/ is inconsistent with go.mod: builds that use it fail',
    details: result.output.split('\n').filter(Boolean),
    fix: 'run go mod vendor and commit vendor/',
  };
}

export interface ModuleCacheFacts {
  dir: string;
  exists: boolean;
  bytes: number;
  /** Module versions with a zip in cache/download. */
  zips: number;
  /** Counting stopped at its time limit: the figures are lower bounds. */
  partial: boolean;
}

export function moduleCacheCheck(m: ModuleCacheFacts): DoctorCheck {
  if (!m.exists) return { id: 'modcache', status: 'info', summary: `GOMODCACHE=${m.dir} does not exist yet (an empty cache)`, details: [] };
  const atLeast = m.partial ? 'at least ' : '';
  return {
    id: 'modcache',
    status: 'info',
    summary: `GOMODCACHE=${m.dir}: ${atLeast}${(m.bytes / 1048576).toFixed(1)} MiB, ${atLeast}${m.zips} module versions downloaded`,
    details: m.partial ? ['counting stopped at its time limit'] : [],
  };
}
