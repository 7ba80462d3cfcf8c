/**
 * A loopback stand-in for the GitHub Actions cache service, faithful enough that
 * the REAL `@actions/cache` 6.3.0 library can save and restore against it.
 *
 * Both wire protocols the library speaks are served by every instance (the
 * routes do not overlap); `protocol` only decides which env vars `env` carries,
 * i.e. which one the library will pick:
 *
 * - v1 (legacy REST, `ACTIONS_CACHE_URL`, must end with `/`):
 *     GET   {base}_apis/artifactcache/cache?keys=k1,k2&version=V   200 {cacheKey, scope, archiveLocation, ...} | 204 miss
 *     GET   {base}_apis/artifactcache/caches?key=K                 200 {totalCount, artifactCaches} (only used with RUNNER_DEBUG)
 *     POST  {base}_apis/artifactcache/caches {key, version, cacheSize} 201 {cacheId} | 409 already exists
 *     PATCH {base}_apis/artifactcache/caches/:id  Content-Range: bytes s-e/*   204
 *     POST  {base}_apis/artifactcache/caches/:id {size}              204 | 400 size mismatch
 * - v2 (twirp JSON, `ACTIONS_CACHE_SERVICE_V2` + `ACTIONS_RESULTS_URL`):
 *     POST /twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry          {key, version} -> {ok, signed_upload_url}
 *     POST /twirp/github.actions.results.api.v1.CacheService/FinalizeCacheEntryUpload  {key, version, size_bytes} -> {ok, entry_id}
 *     POST /twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL  {key, restore_keys, version} -> {ok, signed_download_url, matched_key}
 *   The signed upload URL points back here in Azurite's IP-style form
 *   (`http://127.0.0.1:PORT/devstoreaccount1/actions-cache/<id>?...&sig=...`) so
 *   `@azure/storage-blob` accepts it: single-shot `PUT` (x-ms-blob-type: BlockBlob)
 *   and `PUT ?comp=block&blockid=` + `PUT ?comp=blocklist` are accepted.
 * - Archive download (both protocols): `GET`/`HEAD` on the same blob URL with a
 *   read signature, honouring `Range: bytes=a-b` (206).
 *
 * Matching follows GitHub's documented rules: only committed entries whose
 * `version` equals the request's are considered; for the primary key and then
 * each restore key in order, an exact key match wins, else the newest entry
 * whose key starts with it (the primary key is prefix-matched too, as on
 * github.com; pass `primaryKeyPrefixMatch: false` to disable). A key+version
 * that exists (committed or still uploading) cannot be reserved again.
 *
 * Only 127.0.0.1 is ever bound or referenced.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import { listenLoopback, trackSockets } from './loopback.js';
import { setTimeout as delay } from 'node:timers/promises';
import { makeLabDir } from './paths.js';

export type CacheProtocol = 'v1' | 'v2';

/**
 * - `'ok'`: normal service.
 * - `'down'`: every endpoint (service and blob) answers 503.
 * - `{slow: ms}`: every response is delayed by `ms`.
 * - `'reject-save'`: reserve (v1) / CreateCacheEntry (v2) answers the service's
 *   "already exists" conflict, whatever the key.
 * - `'hang'`: every request is read completely and never answered.
 * - `'hang-download'`: the service answers, but archive GET/HEAD never answers.
 */
export type CacheFault = 'ok' | 'down' | 'reject-save' | 'hang' | 'hang-download' | { slow: number };

export interface CacheEntryInfo {
  id: number;
  key: string;
  version: string;
  scope: string;
  /** Archive size in bytes. */
  size: number;
  created: Date;
}

export interface CacheRequestLogEntry {
  /** 1-based arrival order. */
  seq: number;
  /** ms since the server started. */
  at: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string including `?`, or ''. */
  query: string;
  /** Logical endpoint, e.g. `v1.getCacheEntry`, `v2.CreateCacheEntry`, `blob.put`, `blob.get`. */
  endpoint: CacheEndpoint;
  /** Status sent, or null while unanswered (e.g. under `'hang'`). */
  status: number | null;
  /** Request body size in bytes. */
  bytesIn: number;
  /** Fault in force when the request arrived. */
  fault: string;
}

export type CacheEndpoint =
  | 'v1.getCacheEntry'
  | 'v1.listCaches'
  | 'v1.reserveCache'
  | 'v1.uploadChunk'
  | 'v1.commitCache'
  | 'v2.CreateCacheEntry'
  | 'v2.FinalizeCacheEntryUpload'
  | 'v2.GetCacheEntryDownloadURL'
  | 'v2.unknown'
  | 'blob.put'
  | 'blob.putBlock'
  | 'blob.putBlockList'
  | 'blob.get'
  | 'blob.head'
  | 'unknown';

export interface CacheServerOptions {
  /** Which protocol `env` selects. Default `'v1'`. */
  protocol?: CacheProtocol;
  /** Runtime token the server demands as `Authorization: Bearer`. */
  token?: string;
  /** Scope recorded on entries (GitHub scopes by ref). Default `refs/heads/main`. */
  scope?: string;
  /** Prefix-match the primary key when it has no exact match (github.com does). Default true. */
  primaryKeyPrefixMatch?: boolean;
}

export interface CacheServer {
  readonly protocol: CacheProtocol;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Env vars a runner would set so the library talks to this server (see `cacheEnvFor`). */
  readonly env: Readonly<Record<string, string>>;
  /** Committed entries, oldest first. */
  entries(): CacheEntryInfo[];
  /** Archive bytes of the newest committed entry with exactly this key (and version, if given). */
  archive(key: string, version?: string): Buffer | undefined;
  /** Insert a committed entry directly. `created` defaults to now. */
  seed(key: string, version: string, archive: Buffer | Uint8Array, opts?: { created?: Date }): CacheEntryInfo;
  setFault(fault: CacheFault): void;
  readonly fault: CacheFault;
  /** Copy of the request log. */
  requests(): CacheRequestLogEntry[];
  clearRequests(): void;
  /** Destroys every open socket (hung requests included), stops listening, removes RUNNER_TEMP. Idempotent. */
  close(): Promise<void>;
}

/** The library's own cache-version hash (cacheUtils.getCacheVersion), for seeding and assertions. */
export function libraryCacheVersion(
  paths: readonly string[],
  compressionMethod: 'gzip' | 'zstd-without-long' | 'zstd',
  enableCrossOsArchive = false,
): string {
  const components = [...paths, compressionMethod];
  if (process.platform === 'win32' && !enableCrossOsArchive) components.push('windows-only');
  components.push('1.0');
  return createHash('sha256').update(components.join('|')).digest('hex');
}

/** Env vars (besides the ones `env` sets) that change what the library does; cleared by `useCacheEnv`. */
export const CACHE_ENV_CLEAR_KEYS: readonly string[] = [
  'ACTIONS_CACHE_URL',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_CACHE_MODE',
  'GITHUB_WORKSPACE',
  'GITHUB_SERVER_URL',
  'RUNNER_DEBUG',
  'RUNNER_TEMP',
  'SEGMENT_DOWNLOAD_TIMEOUT_MINS',
  'CACHE_UPLOAD_CONCURRENCY',
  'CACHE_UPLOAD_CHUNK_SIZE',
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'ALL_PROXY',
  'all_proxy',
];

/** The env a runner would provide for `server` (a fresh copy). */
export function cacheEnvFor(server: CacheServer): Record<string, string> {
  return { ...server.env };
}

/**
 * Point `process.env` at `server` (clearing `CACHE_ENV_CLEAR_KEYS` first, so a
 * real runner's GITHUB_WORKSPACE / ACTIONS_* cannot leak in) and return a
 * function restoring the previous env. `extra` is applied last.
 */
export function useCacheEnv(server: CacheServer, extra: Record<string, string> = {}): () => void {
  const touched = new Set([...CACHE_ENV_CLEAR_KEYS, ...Object.keys(server.env), ...Object.keys(extra)]);
  const saved = new Map<string, string | undefined>();
  for (const k of touched) saved.set(k, process.env[k]);
  for (const k of CACHE_ENV_CLEAR_KEYS) delete process.env[k];
  Object.assign(process.env, server.env, extra);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

// ---------------------------------------------------------------------------

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/';
const V1_MARKER = '/_apis/artifactcache/';
const ACCOUNT = 'devstoreaccount1';
const CONTAINER = 'actions-cache';
const BLOB_PREFIX = `/${ACCOUNT}/${CONTAINER}/`;
const MS_VERSION = '2025-11-05';

interface Entry {
  id: number;
  key: string;
  version: string;
  scope: string;
  created: Date;
  seq: number;
  committed: boolean;
  data: Buffer | null;
  /** v1 PATCH chunks by start offset (a retried chunk replaces the earlier copy). */
  chunks: Map<number, Buffer>;
  /** Staged Azure blocks by block id. */
  blocks: Map<string, Buffer>;
  uploadSig: string;
  downloadSig: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = '',
  ) {
    super(message);
  }
}

function faultName(f: CacheFault): string {
  return typeof f === 'string' ? f : `slow:${f.slow}`;
}

function classify(method: string, path: string, query: URLSearchParams): CacheEndpoint {
  if (path.startsWith(TWIRP_PREFIX)) {
    const m = path.slice(TWIRP_PREFIX.length);
    if (m === 'CreateCacheEntry' || m === 'FinalizeCacheEntryUpload' || m === 'GetCacheEntryDownloadURL') {
      return `v2.${m}`;
    }
    return 'v2.unknown';
  }
  const i = path.indexOf(V1_MARKER);
  if (i >= 0) {
    const res = path.slice(i + V1_MARKER.length);
    if (method === 'GET' && res === 'cache') return 'v1.getCacheEntry';
    if (method === 'GET' && res === 'caches') return 'v1.listCaches';
    if (method === 'POST' && res === 'caches') return 'v1.reserveCache';
    if (method === 'PATCH' && /^caches\/\d+$/.test(res)) return 'v1.uploadChunk';
    if (method === 'POST' && /^caches\/\d+$/.test(res)) return 'v1.commitCache';
    return 'unknown';
  }
  if (path.startsWith(BLOB_PREFIX)) {
    if (method === 'PUT') {
      const comp = query.get('comp');
      if (comp === 'block') return 'blob.putBlock';
      if (comp === 'blocklist') return 'blob.putBlockList';
      return 'blob.put';
    }
    if (method === 'GET') return 'blob.get';
    if (method === 'HEAD') return 'blob.head';
  }
  return 'unknown';
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8') || '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'request body is not a JSON object', 'malformed');
}

function str(o: Record<string, unknown>, ...names: string[]): string {
  for (const n of names) {
    const v = o[n];
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
  }
  return '';
}

function strList(o: Record<string, unknown>, ...names: string[]): string[] {
  for (const n of names) {
    const v = o[n];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  }
  return [];
}

const TWIRP_STATUS: Record<string, number> = {
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  internal: 500,
  unavailable: 503,
};

export async function startCacheServer(options: CacheServerOptions = {}): Promise<CacheServer> {
  const protocol: CacheProtocol = options.protocol ?? 'v1';
  const token = options.token ?? 'lab-runtime-token';
  const scope = options.scope ?? 'refs/heads/main';
  const primaryPrefix = options.primaryKeyPrefixMatch ?? true;
  const started = Date.now();
  const runnerTemp = makeLabDir('cache-runner-temp');

  let fault: CacheFault = 'ok';
  let nextId = 1;
  let nextSeq = 1;
  let reqSeq = 0;
  const store: Entry[] = [];
  const log: CacheRequestLogEntry[] = [];
  const sockets = new Set<Socket>();
  let origin = '';
  let closed = false;

  const committed = (): Entry[] =>
    store.filter((e) => e.committed).sort((a, b) => a.created.getTime() - b.created.getTime() || a.seq - b.seq);

  const info = (e: Entry): CacheEntryInfo => ({
    id: e.id,
    key: e.key,
    version: e.version,
    scope: e.scope,
    size: e.data?.length ?? 0,
    created: new Date(e.created.getTime()),
  });

  const blobUrl = (e: Entry, sig: string, perms: string): string =>
    `${origin}${BLOB_PREFIX}${e.id}?sv=${MS_VERSION}&sr=b&sp=${perms}&sig=${encodeURIComponent(sig)}`;

  const newEntry = (key: string, version: string): Entry => {
    const e: Entry = {
      id: nextId++,
      key,
      version,
      scope,
      created: new Date(),
      seq: nextSeq++,
      committed: false,
      data: null,
      chunks: new Map(),
      blocks: new Map(),
      uploadSig: randomBytes(12).toString('hex'),
      downloadSig: randomBytes(12).toString('hex'),
    };
    store.push(e);
    return e;
  };

  const exists = (key: string, version: string): boolean => store.some((e) => e.key === key && e.version === version && e.scope === scope);

  /** GitHub's lookup: per key in order, exact match first, then newest prefix match. */
  const lookup = (keys: string[], version: string): Entry | undefined => {
    const candidates = committed().filter((e) => e.version === version);
    const newest = (xs: Entry[]): Entry | undefined => xs[xs.length - 1];
    for (const [i, k] of keys.entries()) {
      if (!k) continue;
      const exact = newest(candidates.filter((e) => e.key === k));
      if (exact) return exact;
      if (i === 0 && !primaryPrefix) continue;
      const prefix = newest(candidates.filter((e) => e.key.startsWith(k)));
      if (prefix) return prefix;
    }
    return undefined;
  };

  const requireAuth = (req: http.IncomingMessage): void => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      throw new HttpError(401, 'missing or wrong bearer token', 'unauthenticated');
    }
  };

  // ---- v1 ------------------------------------------------------------------
  const handleV1 = (
    endpoint: CacheEndpoint,
    req: http.IncomingMessage,
    path: string,
    query: URLSearchParams,
    body: Buffer,
  ): { status: number; json?: unknown } => {
    requireAuth(req);
    const idMatch = /caches\/(\d+)$/.exec(path);
    const byId = (): Entry => {
      const id = Number(idMatch?.[1]);
      const e = store.find((x) => x.id === id);
      if (!e) throw new HttpError(404, `Cache ${id} not found`);
      return e;
    };
    switch (endpoint) {
      case 'v1.getCacheEntry': {
        const keys = (query.get('keys') ?? '').split(',').filter((k) => k.length > 0);
        const version = query.get('version') ?? '';
        if (keys.length === 0 || !version) throw new HttpError(400, 'keys and version are required');
        const e = lookup(keys, version);
        if (!e) return { status: 204 };
        return {
          status: 200,
          json: {
            scope: e.scope,
            cacheKey: e.key,
            cacheVersion: e.version,
            creationTime: e.created.toISOString(),
            archiveLocation: blobUrl(e, e.downloadSig, 'r'),
          },
        };
      }
      case 'v1.listCaches': {
        const key = query.get('key') ?? '';
        const list = committed().filter((e) => e.key.startsWith(key));
        return {
          status: 200,
          json: {
            totalCount: list.length,
            artifactCaches: list.map((e) => ({
              scope: e.scope,
              cacheKey: e.key,
              cacheVersion: e.version,
              creationTime: e.created.toISOString(),
            })),
          },
        };
      }
      case 'v1.reserveCache': {
        const o = parseJson(body);
        const key = str(o, 'key');
        const version = str(o, 'version');
        if (!key || !version) throw new HttpError(400, 'key and version are required');
        if (fault === 'reject-save' || exists(key, version)) {
          throw new HttpError(
            409,
            `Cache already exists. Scope: ${scope}, Key: ${key}, Version: ${version}`,
            'ArtifactCacheAlreadyExistsException',
          );
        }
        return { status: 201, json: { cacheId: newEntry(key, version).id } };
      }
      case 'v1.uploadChunk': {
        const e = byId();
        if (e.committed) throw new HttpError(409, `Cache ${e.id} is already committed`);
        const m = /^bytes (\d+)-(\d+)\/(\*|\d+)$/.exec(req.headers['content-range'] ?? '');
        if (!m) throw new HttpError(400, 'missing or malformed Content-Range');
        const start = Number(m[1]);
        const end = Number(m[2]);
        if (end - start + 1 !== body.length) {
          throw new HttpError(400, `Content-Range covers ${end - start + 1} bytes but body has ${body.length}`);
        }
        e.chunks.set(start, body);
        return { status: 204 };
      }
      case 'v1.commitCache': {
        const e = byId();
        if (e.committed) throw new HttpError(409, `Cache ${e.id} is already committed`);
        const size = Number(str(parseJson(body), 'size'));
        const data = Buffer.alloc(size > 0 ? size : 0);
        let covered = 0;
        for (const [start, buf] of e.chunks) {
          if (start + buf.length > data.length) {
            throw new HttpError(400, `Uploaded chunks exceed the committed size ${size}`);
          }
          buf.copy(data, start);
          covered += buf.length;
        }
        if (covered !== size) {
          throw new HttpError(400, `Committed size ${size} does not match the ${covered} bytes uploaded`);
        }
        e.data = data;
        e.chunks.clear();
        e.committed = true;
        e.created = new Date();
        e.seq = nextSeq++;
        return { status: 204 };
      }
      default:
        throw new HttpError(404, `unknown v1 resource ${path}`);
    }
  };

  // ---- v2 (twirp) ----------------------------------------------------------
  const handleV2 = (endpoint: CacheEndpoint, req: http.IncomingMessage, body: Buffer): unknown => {
    requireAuth(req);
    const o = parseJson(body);
    switch (endpoint) {
      case 'v2.CreateCacheEntry': {
        const key = str(o, 'key');
        const version = str(o, 'version');
        if (!key || !version) throw new HttpError(400, 'key and version are required', 'invalid_argument');
        if (fault === 'reject-save' || exists(key, version)) {
          throw new HttpError(409, 'cache entry with the same key, version, and scope already exists', 'already_exists');
        }
        const e = newEntry(key, version);
        return { ok: true, signed_upload_url: blobUrl(e, e.uploadSig, 'cw') };
      }
      case 'v2.FinalizeCacheEntryUpload': {
        const key = str(o, 'key');
        const version = str(o, 'version');
        const size = Number(str(o, 'size_bytes', 'sizeBytes') || '0');
        const e = store.find((x) => !x.committed && x.key === key && x.version === version && x.scope === scope);
        if (!e) throw new HttpError(404, 'cache entry not found', 'not_found');
        if (!e.data) return { ok: false, message: `no archive was uploaded for cache entry ${e.id}` };
        if (e.data.length !== size) {
          return { ok: false, message: `size_bytes ${size} does not match the ${e.data.length} bytes uploaded` };
        }
        e.committed = true;
        e.created = new Date();
        e.seq = nextSeq++;
        return { ok: true, entry_id: String(e.id) };
      }
      case 'v2.GetCacheEntryDownloadURL': {
        const key = str(o, 'key');
        const version = str(o, 'version');
        if (!key || !version) throw new HttpError(400, 'key and version are required', 'invalid_argument');
        const e = lookup([key, ...strList(o, 'restore_keys', 'restoreKeys')], version);
        if (!e) return { ok: false, signed_download_url: '', matched_key: '' };
        return { ok: true, signed_download_url: blobUrl(e, e.downloadSig, 'r'), matched_key: e.key };
      }
      default:
        throw new HttpError(404, `no such method`, 'bad_route');
    }
  };

  // ---- blob (Azure-shaped) -------------------------------------------------
  const blobEntry = (path: string): Entry => {
    const id = Number(path.slice(BLOB_PREFIX.length));
    const e = store.find((x) => x.id === id);
    if (!e) throw new HttpError(404, 'The specified blob does not exist.', 'BlobNotFound');
    return e;
  };

  const handleBlobWrite = (
    endpoint: CacheEndpoint,
    req: http.IncomingMessage,
    path: string,
    query: URLSearchParams,
    body: Buffer,
  ): void => {
    const e = blobEntry(path);
    if (query.get('sig') !== e.uploadSig) {
      throw new HttpError(403, 'Signature did not match.', 'AuthenticationFailed');
    }
    if (e.committed) throw new HttpError(409, 'The blob is sealed (entry finalized).', 'BlobImmutable');
    if (endpoint === 'blob.put') {
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
        throw new HttpError(400, 'x-ms-blob-type must be BlockBlob', 'MissingRequiredHeader');
      }
      e.data = body;
    } else if (endpoint === 'blob.putBlock') {
      const id = query.get('blockid');
      if (!id) throw new HttpError(400, 'blockid is required', 'InvalidQueryParameterValue');
      e.blocks.set(id, body);
    } else {
      const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2] ?? '');
      const parts: Buffer[] = [];
      for (const id of ids) {
        const b = e.blocks.get(id);
        if (!b) throw new HttpError(400, `The specified block list is invalid (${id}).`, 'InvalidBlockList');
        parts.push(b);
      }
      e.data = Buffer.concat(parts);
      e.blocks.clear();
    }
  };

  const send = (
    res: http.ServerResponse,
    entry: CacheRequestLogEntry,
    status: number,
    headers: Record<string, string | number>,
    body?: Buffer | string,
  ): void => {
    entry.status = status;
    res.writeHead(status, headers);
    res.end(body);
  };

  const sendError = (res: http.ServerResponse, entry: CacheRequestLogEntry, err: HttpError): void => {
    const endpoint = entry.endpoint;
    if (endpoint.startsWith('v2.')) {
      const code = err.code || (err.status === 503 ? 'unavailable' : 'internal');
      const body = JSON.stringify({ code, msg: err.message });
      send(res, entry, TWIRP_STATUS[code] ?? err.status, { 'Content-Type': 'application/json' }, body);
    } else if (endpoint.startsWith('blob.')) {
      const code = err.code || (err.status === 503 ? 'ServerBusy' : 'InternalError');
      const xml = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${err.message}</Message></Error>`;
      send(
        res,
        entry,
        err.status,
        { 'Content-Type': 'application/xml', 'x-ms-error-code': code, 'x-ms-version': MS_VERSION },
        endpoint === 'blob.head' ? undefined : xml,
      );
    } else {
      const body = JSON.stringify({
        $id: '1',
        innerException: null,
        message: err.message,
        typeName: err.code || 'Microsoft.Azure.DevOps.ArtifactCache.WebApi.ArtifactCacheException',
        typeKey: err.code || 'ArtifactCacheException',
        errorCode: 0,
        eventId: 3000,
      });
      send(res, entry, err.status, { 'Content-Type': 'application/json' }, body);
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const endpoint = classify(method, url.pathname, url.searchParams);
    const entry: CacheRequestLogEntry = {
      seq: ++reqSeq,
      at: Date.now() - started,
      method,
      path: url.pathname,
      query: url.search,
      endpoint,
      status: null,
      bytesIn: 0,
      fault: faultName(fault),
    };
    log.push(entry);
    const body = await readBody(req);
    entry.bytesIn = body.length;

    const f = fault;
    if (f === 'hang' || (f === 'hang-download' && (endpoint === 'blob.get' || endpoint === 'blob.head'))) {
      return; // never answer; close() destroys the socket
    }
    if (typeof f === 'object') await delay(f.slow);
    if (closed || res.destroyed) return;

    try {
      if (f === 'down') throw new HttpError(503, 'Service Unavailable (lab fault: down)');
      if (endpoint === 'unknown') throw new HttpError(404, `no route for ${method} ${url.pathname}`);
      if (endpoint.startsWith('v1.')) {
        const r = handleV1(endpoint, req, url.pathname, url.searchParams, body);
        if (r.json === undefined) send(res, entry, r.status, {});
        else send(res, entry, r.status, { 'Content-Type': 'application/json' }, JSON.stringify(r.json));
        return;
      }
      if (endpoint.startsWith('v2.')) {
        const r = handleV2(endpoint, req, body);
        send(res, entry, 200, { 'Content-Type': 'application/json' }, JSON.stringify(r));
        return;
      }
      if (endpoint === 'blob.put' || endpoint === 'blob.putBlock' || endpoint === 'blob.putBlockList') {
        handleBlobWrite(endpoint, req, url.pathname, url.searchParams, body);
        send(res, entry, 201, {
          ETag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`,
          'Last-Modified': new Date().toUTCString(),
          'x-ms-request-id': randomBytes(16).toString('hex'),
          'x-ms-version': MS_VERSION,
          'x-ms-request-server-encrypted': 'true',
        });
        return;
      }
      // blob.get / blob.head
      const e = blobEntry(url.pathname);
      if (url.searchParams.get('sig') !== e.downloadSig) {
        throw new HttpError(403, 'Signature did not match.', 'AuthenticationFailed');
      }
      if (!e.committed || !e.data) throw new HttpError(404, 'The specified blob does not exist.', 'BlobNotFound');
      const data = e.data;
      const common = {
        'Content-Type': 'application/octet-stream',
        'Accept-Ranges': 'bytes',
        ETag: `"0x${e.id.toString(16).toUpperCase()}"`,
        'Last-Modified': e.created.toUTCString(),
        'x-ms-blob-type': 'BlockBlob',
        'x-ms-version': MS_VERSION,
      };
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? req.headers['x-ms-range'] ?? ''));
      if (range) {
        const start = Number(range[1]);
        const end = Math.min(range[2] ? Number(range[2]) : data.length - 1, data.length - 1);
        if (start >= data.length || end < start) {
          send(res, entry, 416, { 'Content-Range': `bytes */${data.length}` });
          return;
        }
        const slice = data.subarray(start, end + 1);
        send(
          res,
          entry,
          206,
          { ...common, 'Content-Length': slice.length, 'Content-Range': `bytes ${start}-${end}/${data.length}` },
          method === 'HEAD' ? undefined : slice,
        );
        return;
      }
      send(res, entry, 200, { ...common, 'Content-Length': data.length }, method === 'HEAD' ? undefined : data);
    } catch (err) {
      if (err instanceof HttpError) sendError(res, entry, err);
      else sendError(res, entry, new HttpError(500, err instanceof Error ? err.message : String(err)));
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500);
        res.end();
      }
    });
  });
  trackSockets(server, sockets);
  const port = await listenLoopback(server);
  origin = `http://127.0.0.1:${port}`;

  const env: Record<string, string> = {
    ACTIONS_RUNTIME_TOKEN: token,
    // Not GHES (GHES forces v1); parsed locally, never contacted.
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REF: scope,
    // The library creates its archive dir here (default would be /home/actions/temp).
    RUNNER_TEMP: runnerTemp,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
  if (protocol === 'v2') {
    env.ACTIONS_CACHE_SERVICE_V2 = 'true';
    env.ACTIONS_RESULTS_URL = `${origin}/`;
  } else {
    // Real ACTIONS_CACHE_URL has a path; the library appends `_apis/artifactcache/...`.
    env.ACTIONS_CACHE_URL = `${origin}/lab-cache/`;
  }

  return {
    protocol,
    origin,
    env,
    entries: () => committed().map(info),
    archive(key, version) {
      const hits = committed().filter((e) => e.key === key && (version === undefined || e.version === version));
      const d = hits[hits.length - 1]?.data;
      return d ? Buffer.from(d) : undefined;
    },
    seed(key, version, archive, opts = {}) {
      const e = newEntry(key, version);
      e.data = Buffer.from(archive);
      e.committed = true;
      if (opts.created) e.created = new Date(opts.created.getTime());
      return info(e);
    },
    setFault(f) {
      fault = f;
    },
    get fault() {
      return fault;
    },
    requests: () => log.map((e) => ({ ...e })),
    clearRequests() {
      log.length = 0;
    },
    async close() {
      if (closed) return;
      closed = true;
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await done;
      rmSync(runnerTemp, { recursive: true, force: true });
    },
  };
}
