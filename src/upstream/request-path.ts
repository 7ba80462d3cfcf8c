import { isCanonicalVersion, unescapeModulePath } from '../goproxy/module-path.js';

/** The files of the GOPROXY protocol, and the checksum database proxied through it. */
export type ServeKind = 'list' | 'info' | 'mod' | 'zip' | 'latest' | 'sumdb';

export interface ServeRequest {
  kind: ServeKind;
  /** The path to ask upstreams for, exactly as the go command sent it (still escaped), without the leading "/". */
  upstreamPath: string;
  /** The same path, percent-decoded: where the file sits under GOMODCACHE/cache/download. */
  cachePath: string;
  /** Unescaped module path (not for sumdb). */
  module?: string;
  /** Unescaped version or query of .info/.mod/.zip. */
  version?: string;
  /** How the request reads in logs and reports: module@version/kind or sumdb/name/... */
  label: string;
  /**
   * go.sum's `h1:` for this .zip or .mod, when the asker knows it (the
   * prefetch does; the go command's requests do not say): an answer that
   * hashes otherwise is refused like any broken answer.
   */
  sum?: string;
}

export type ParsedPath = { request: ServeRequest } | { refused: string };

const SAFE = /^[A-Za-z0-9.\-_~!+/@:]*$/;

/**
 * Accept only what the go command asks a proxy for (cmd/go/internal/modfetch/proxy.go
 * and the sumdb client): anything else is refused, so the local proxy can
 * never be used to reach other URLs on the upstreams.
 */
export function parseServePath(target: string): ParsedPath {
  if (target.includes('?') || target.includes('#')) return { refused: 'query strings are not part of the GOPROXY protocol' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return { refused: 'malformed percent-encoding' };
  }
  if (!decoded.startsWith('/') || !SAFE.test(decoded) || /(^|\/)\.{1,2}(\/|$)|\/\//.test(decoded)) {
    return { refused: 'not a GOPROXY path' };
  }
  const rel = decoded.slice(1);
  const upstreamPath = target.slice(1);
  // A database is named host[/path] (GOSUMDB, cmd/go/internal/modfetch/sumdb.go); the path goes upstream as sent.
  const sum = /^sumdb\/([a-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~-]+)*)\/(supported|latest|lookup\/.+@.+|tile\/\d+\/(?:\d+|data)\/.+)$/.exec(
    rel,
  );
  if (sum) return { request: { kind: 'sumdb', upstreamPath, cachePath: rel, label: rel } };

  const latest = /^(.+)\/@latest$/.exec(rel);
  if (latest?.[1]) {
    const module = unescapeModulePath(latest[1]);
    if (!module) return { refused: 'module path is not case-encoded' };
    return { request: { kind: 'latest', upstreamPath, cachePath: rel, module, label: `${module}@latest` } };
  }
  const file = /^(.+)\/@v\/(list|(.+)\.(info|mod|zip))$/.exec(rel);
  if (!file?.[1]) return { refused: 'not a GOPROXY path' };
  const module = unescapeModulePath(file[1]);
  if (!module) return { refused: 'module path is not case-encoded' };
  if (file[2] === 'list') return { request: { kind: 'list', upstreamPath, cachePath: rel, module, label: `${module}/@v/list` } };
  const version = unescapeModulePath(file[3] ?? '');
  if (!version) return { refused: 'version is not case-encoded' };
  const kind = file[4] as 'info' | 'mod' | 'zip';
  // Only .info may be asked by query (a branch, a commit); .mod and .zip always name a canonical version.
  if (kind !== 'info' && !isCanonicalVersion(version)) return { refused: `.${kind} must name a canonical version` };
  return { request: { kind, upstreamPath, cachePath: rel, module, version, label: `${module}@${version}.${kind}` } };
}
