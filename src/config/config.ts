import * as path from 'node:path';
import { DEFAULT_SCORE_MODEL, type ScoreModel } from '../model/score.js';
import type { FailOn } from '../model/gate.js';
import { parseSilenceWindows, type SilenceWindow } from './silence.js';
import { InputError } from './errors.js';
import { parseOverride, type Override } from './override.js';
import { parseProxies } from './proxies.js';
import { type InputName, type RawInputs, withDefaults } from './inputs.js';
import { parseBoolean, parseChoice, parseDuration, parseInteger, parseKeyValues, parseNumber } from './parse.js';

export const FALLBACKS = ['any-error', 'not-found'] as const;
export const FAIL_ON = ['download-failure', 'unhealthy', 'degraded', 'never'] as const satisfies readonly FailOn[];

export const SAVE_CACHE = ['auto', 'always', 'never'] as const;
export type SaveCache = (typeof SAVE_CACHE)[number];

export const WEBHOOK_FORMATS = ['slack', 'discord', 'teams', 'dingtalk', 'feishu', 'wecom', 'json'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
export const ALERT_ON = ['degraded', 'failed', 'always', 'never'] as const;
export type AlertOn = (typeof ALERT_ON)[number];

export interface Webhook {
  url: string;
  format: WebhookFormat;
}

export type Fallback = (typeof FALLBACKS)[number];
export type { FailOn };

export interface Config {
  /** Explicit candidates, or undefined to derive them from `go env GOPROXY` plus proxy.golang.org. */
  proxies: string[] | undefined;
  workingDirectory: string;
  /**
   * working-directory as the user wrote it; undefined when left empty or ".".
   * Pointing it somewhere is a promise of a Go project there; the default is not.
   */
  workingDirectoryGiven: string | undefined;
  /** timeoutAsWritten: probe-timeout as the user wrote it ("3s"), for the log; undefined when defaulted. */
  probe: { timeoutMs: number; timeoutAsWritten: string | undefined; samples: number; modules: number };
  score: ScoreModel;
  minScore: number;
  fallback: Fallback;
  direct: boolean;
  failOn: FailOn;
  warm: {
    enabled: boolean;
    retries: number;
    backoffMs: number;
    timeoutMs: number;
    vendorFallback: boolean;
    /** Files prefetched at once from go.sum before go mod download; 0 = no prefetch. */
    prefetchConcurrency: number;
  };
  cache: { enabled: boolean; keyPrefix: string; save: SaveCache };
  /** GOCACHE in the CI cache (same key prefix and save policy as the module cache). */
  buildCache: { enabled: boolean };
  alerts: {
    webhooks: Webhook[];
    secret: string | undefined;
    on: AlertOn;
    cooldownMs: number;
    /** Planned maintenance: alerts these windows cover are held back. */
    silence: SilenceWindow[];
  };
  history: { size: number };
  /** Write status.html beside status.json. */
  statusPage: boolean;
  serve: { enabled: boolean; idleTimeoutMs: number; requestTimeoutMs: number };
  /** Absolute path, or undefined for no metrics export. */
  metricsFile: string | undefined;
  /** The emergency switch (input `override` or GO_PROXY_GUARD_OVERRIDE), when set. */
  override: Override | undefined;
}

/** Read and validate every input once; the rest of the engine only sees this typed object. */
export function buildConfig(read: RawInputs, cwd: string = process.cwd(), env: NodeJS.ProcessEnv = {}): Config {
  const get = withDefaults(read);
  const rawProxies = read('proxies') ?? '';
  const override = parseOverride(read('override'), env);
  return {
    // An override of candidates replaces the configured ones; direct and off probe none.
    proxies: override
      ? override.mode === 'proxies'
        ? override.proxies
        : []
      : rawProxies.trim() === ''
        ? undefined
        : parseProxies(rawProxies),
    workingDirectory: workingDirectoryOf(read, cwd),
    workingDirectoryGiven: given(read('working-directory'), '.'),
    probe: {
      timeoutMs: positiveDuration('probe-timeout', get('probe-timeout')),
      timeoutAsWritten: given(read('probe-timeout')),
      samples: parseInteger('probe-samples', get('probe-samples'), 1, 20),
      modules: parseInteger('probe-modules', get('probe-modules'), 1, 50),
    },
    score: parseScoreModel(get('score-weights'), get('score-thresholds')),
    minScore: parseNumber('min-score', get('min-score'), 0, 1),
    fallback: parseChoice('fallback', get('fallback'), FALLBACKS),
    direct: parseBoolean('direct', get('direct')),
    failOn: parseChoice('fail-on', get('fail-on'), FAIL_ON),
    warm: {
      enabled: parseBoolean('prewarm', get('prewarm')),
      retries: parseInteger('retries', get('retries'), 0, 10),
      backoffMs: parseDuration('retry-backoff', get('retry-backoff')),
      timeoutMs: positiveDuration('download-timeout', get('download-timeout')),
      vendorFallback: parseBoolean('vendor-fallback', get('vendor-fallback')),
      prefetchConcurrency: parseInteger('prefetch-concurrency', get('prefetch-concurrency'), 0, 128),
    },
    cache: {
      enabled: parseBoolean('cache', get('cache')),
      keyPrefix: parseKeyPrefix(get('cache-key-prefix')),
      save: parseChoice('save-cache', get('save-cache'), SAVE_CACHE),
    },
    buildCache: { enabled: parseBoolean('build-cache', get('build-cache')) },
    alerts: {
      webhooks: parseWebhooks(
        read('webhook-url') ?? '',
        read('slack-webhook-url') ?? '',
        parseChoice('webhook-format', get('webhook-format'), WEBHOOK_FORMATS),
      ),
      secret: (read('webhook-secret') ?? '').trim() || undefined,
      on: parseChoice('alert-on', get('alert-on'), ALERT_ON),
      cooldownMs: parseDuration('alert-cooldown', get('alert-cooldown')),
      silence: parseSilenceWindows(read('alert-silence') ?? ''),
    },
    history: { size: parseInteger('history-size', get('history-size'), 1, 500) },
    statusPage: parseBoolean('status-page', get('status-page')),
    serve: {
      enabled: parseBoolean('serve', get('serve')),
      idleTimeoutMs: positiveDuration('serve-idle-timeout', get('serve-idle-timeout')),
      requestTimeoutMs: positiveDuration('serve-request-timeout', get('serve-request-timeout')),
    },
    metricsFile: (read('metrics-file') ?? '').trim() ? path.resolve(cwd, (read('metrics-file') as string).trim()) : undefined,
    override,
  };
}

/** The project directory working-directory names, resolved from `cwd`: the config's, and the CLI's before the run (its state file). */
export function workingDirectoryOf(read: RawInputs, cwd: string): string {
  return path.resolve(cwd, withDefaults(read)('working-directory'));
}

/** An input's trimmed value when the user gave one (other than `unset`, which means the same as nothing). */
function given(raw: string | undefined, unset = ''): string | undefined {
  const value = (raw ?? '').trim();
  return value === '' || value === unset ? undefined : value;
}

/** Webhook URLs are secrets: an error names the input but never echoes the URL. */
function parseWebhooks(raw: string, slackRaw: string, format: WebhookFormat): Webhook[] {
  const check = (input: string, url: string): string => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new InputError(input, '***', 'must be http(s) URLs, one per line');
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new InputError(input, '***', 'must be http(s) URLs, one per line');
    return url;
  };
  const lines = (s: string) =>
    s
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
  return [
    ...lines(raw).map((url) => ({ url: check('webhook-url', url), format })),
    ...lines(slackRaw).map((url) => ({ url: check('slack-webhook-url', url), format: 'slack' as const })),
  ];
}

function parseKeyPrefix(raw: string): string {
  const value = raw.trim();
  // Cache keys may not contain commas and are capped at 512 characters by the service.
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(value)) {
    throw new InputError('cache-key-prefix', raw, 'must be 1-200 letters, digits, ".", "_" or "-"');
  }
  return value;
}

export function positiveDuration(input: InputName | string, raw: string): number {
  const ms = parseDuration(input, raw);
  if (ms <= 0) throw new InputError(input, raw, 'must be a duration above zero');
  return ms;
}

function parseScoreModel(weightsRaw: string, thresholdsRaw: string): ScoreModel {
  const w = parseKeyValues('score-weights', weightsRaw, ['success', 'latency', 'cert']);
  const weight = (k: string, d: number) => (w.has(k) ? parseNumber('score-weights', w.get(k) as string, 0, 1) : d);
  const t = parseKeyValues('score-thresholds', thresholdsRaw, [
    'success-floor',
    'success-full',
    'latency-mid',
    'latency-max',
    'cert-critical',
    'cert-warn',
  ]);
  const d = DEFAULT_SCORE_MODEL;
  const num = (k: string, dflt: number, max: number) => (t.has(k) ? parseNumber('score-thresholds', t.get(k) as string, 0, max) : dflt);
  const dur = (k: string, dflt: number) => (t.has(k) ? positiveDuration('score-thresholds', t.get(k) as string) : dflt);
  const model: ScoreModel = {
    weights: {
      success: weight('success', d.weights.success),
      latency: weight('latency', d.weights.latency),
      cert: weight('cert', d.weights.cert),
    },
    successFloor: num('success-floor', d.successFloor, 1),
    successFull: num('success-full', d.successFull, 1),
    latencyMidMs: dur('latency-mid', d.latencyMidMs),
    latencyMaxMs: dur('latency-max', d.latencyMaxMs),
    certCriticalDays: num('cert-critical', d.certCriticalDays, 3650),
    certWarnDays: num('cert-warn', d.certWarnDays, 3650),
  };
  const { success, latency, cert } = model.weights;
  if (success + latency + cert <= 0) throw new InputError('score-weights', weightsRaw, 'must have at least one weight above 0');
  if (model.successFloor >= model.successFull) {
    throw new InputError('score-thresholds', thresholdsRaw, 'must have success-floor below success-full');
  }
  if (model.latencyMidMs >= model.latencyMaxMs) {
    throw new InputError('score-thresholds', thresholdsRaw, 'must have latency-mid below latency-max');
  }
  return model;
}
