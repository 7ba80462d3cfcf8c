import { escapeModulePath, escapeVersion, type ModuleVersion } from '../goproxy/module-path.js';

export type RequestKind = 'list' | 'latest' | 'info' | 'mod' | 'zip' | 'sumdb';

export interface ProbeRequest {
  kind: RequestKind;
  /** Path below the proxy's base URL, already case-encoded. */
  path: string;
  module?: ModuleVersion;
  /** With no project modules to ask about, a 404 only says "not here", not "stale". */
  notFoundIsAnswer: boolean;
}

/** When the project requires nothing (or has no go.mod), ask about a module every public proxy carries. */
export const FALLBACK_PROBE_MODULE = 'golang.org/x/mod';

/**
 * What to ask each proxy: what the go command will ask for this project.
 * Every sample round asks list/info/mod for each sampled module; one ranged
 * zip request and the sumdb check happen once.
 */
export function planProbe(opts: { modules: ModuleVersion[]; samples: number; sumdb: string | undefined }): ProbeRequest[] {
  const requests: ProbeRequest[] = [];
  const base = (m: { path: string }) => `${escapeModulePath(m.path)}/@v`;
  for (let round = 0; round < opts.samples; round++) {
    if (opts.modules.length === 0) {
      const path = escapeModulePath(FALLBACK_PROBE_MODULE);
      requests.push({ kind: 'list', path: `${path}/@v/list`, notFoundIsAnswer: true });
      requests.push({ kind: 'latest', path: `${path}/@latest`, notFoundIsAnswer: true });
      continue;
    }
    for (const m of opts.modules) {
      requests.push({ kind: 'list', path: `${base(m)}/list`, module: m, notFoundIsAnswer: false });
      requests.push({ kind: 'info', path: `${base(m)}/${escapeVersion(m.version)}.info`, module: m, notFoundIsAnswer: false });
      requests.push({ kind: 'mod', path: `${base(m)}/${escapeVersion(m.version)}.mod`, module: m, notFoundIsAnswer: false });
    }
    if (round === 0) {
      const first = opts.modules[0];
      if (first) {
        requests.push({ kind: 'zip', path: `${base(first)}/${escapeVersion(first.version)}.zip`, module: first, notFoundIsAnswer: false });
      }
    }
  }
  if (opts.sumdb) requests.push({ kind: 'sumdb', path: `sumdb/${opts.sumdb}/supported`, notFoundIsAnswer: true });
  return requests;
}

/**
 * A bounded, deterministic sample of the requirements: direct ones first
 * (they are what the project imports), in go.mod order.
 */
export function sampleModules<T extends ModuleVersion & { indirect: boolean }>(requirements: T[], count: number): T[] {
  const direct = requirements.filter((r) => !r.indirect);
  const indirect = requirements.filter((r) => r.indirect);
  return [...direct, ...indirect].slice(0, count);
}

/**
 * The slowest answer a proxy worth keeping gives (a mirror on another
 * continent): the plan is sized so such a proxy is measured in full.
 */
export const SLOW_ANSWER_MS = 800;
const MIN_CONCURRENCY = 4;
/** More at once than this looks like an attack to a proxy's rate limiter. */
const MAX_CONCURRENCY = 16;
/** Share of the deadline the plan should fill, leaving room for the TLS look and jitter. */
const DEADLINE_SHARE = 0.8;

export interface ProbeFit {
  samples: number;
  concurrency: number;
}

/**
 * Fit the plan to the deadline: enough requests in flight that a proxy
 * answering in SLOW_ANSWER_MS is asked everything in time, and fewer sample
 * rounds (never fewer than one) when even the most concurrency allowed cannot.
 */
export function fitProbe(opts: { perRound: number; once: number; samples: number; deadlineMs: number }): ProbeFit {
  const sequential = Math.max(1, Math.floor((DEADLINE_SHARE * opts.deadlineMs) / SLOW_ANSWER_MS));
  const total = (samples: number) => samples * opts.perRound + opts.once;
  let samples = Math.max(1, opts.samples);
  while (samples > 1 && total(samples) > MAX_CONCURRENCY * sequential) samples--;
  const concurrency = Math.min(MAX_CONCURRENCY, Math.max(MIN_CONCURRENCY, Math.ceil(total(samples) / sequential)));
  return { samples, concurrency };
}

/** Requests per sample round, and requests asked once (zip, sumdb), for fitProbe. */
export function planShape(opts: { modules: number; sumdb: string | undefined }): { perRound: number; once: number } {
  return opts.modules === 0 ? { perRound: 2, once: opts.sumdb ? 1 : 0 } : { perRound: 3 * opts.modules, once: 1 + (opts.sumdb ? 1 : 0) };
}
