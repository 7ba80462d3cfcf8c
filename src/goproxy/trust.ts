import * as fs from 'node:fs';
import * as tls from 'node:tls';

/** Where Go's crypto/x509 looks for the system bundle on Linux, in its order. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/pki/tls/cacert.pem',
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

let cached: { key: string; roots: string[] } | undefined;

/** The part of node:tls that reads the OS trust store: Node 22.15+ and 24 (the action's runtime) have it, Node 20 not. */
export interface CaSource {
  getCACertificates?: (type: 'system') => string[];
}

/**
 * The OS trust store: the macOS keychain, the Windows certificate store, OpenSSL's paths on Linux. A company
 * CA lives there on macOS and Windows runners, where no PEM bundle names it. Empty where Node cannot read it.
 */
export function osStoreRoots(source: CaSource = tls as unknown as CaSource): string[] {
  if (typeof source.getCACertificates !== 'function') return [];
  try {
    return source.getCACertificates('system');
  } catch {
    return []; // an unreadable store must not cost the PEM roots
  }
}

/**
 * The roots to judge a proxy's certificate by: what the go command trusts
 * (SSL_CERT_FILE, else the system bundle on Linux or the OS store on macOS
 * and Windows, where a company CA is installed) plus what Node trusts (its
 * bundle and NODE_EXTRA_CA_CERTS). Node's bundle alone would call a corporate
 * proxy that go uses happily "untrusted".
 */
export function trustedRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const key = `${env.SSL_CERT_FILE ?? ''}|${env.NODE_EXTRA_CA_CERTS ?? ''}`;
  if (cached?.key === key) return cached.roots;
  const files = env.SSL_CERT_FILE ? [env.SSL_CERT_FILE] : SYSTEM_BUNDLES.filter((f) => fs.existsSync(f)).slice(0, 1);
  if (env.NODE_EXTRA_CA_CERTS) files.push(env.NODE_EXTRA_CA_CERTS);
  const roots = [...tls.rootCertificates, ...(env.SSL_CERT_FILE ? [] : osStoreRoots())];
  for (const file of files) {
    try {
      roots.push(...(fs.readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []));
    } catch {
      /* unreadable bundle: the others still count */
    }
  }
  cached = { key, roots: [...new Set(roots)] };
  return cached.roots;
}

let cachedContext: { roots: string[]; context: tls.SecureContext } | undefined;

/**
 * trustedRoots as one TLS context, built once: the one trust the probe's
 * certificate look and every endpoint's connections share. Handing `ca` to
 * every connection makes Node parse the ~150 roots again for each handshake,
 * which on a busy runner costs more than the probe's answers.
 */
export function trustedContext(env: NodeJS.ProcessEnv = process.env): tls.SecureContext {
  const roots = trustedRoots(env);
  if (cachedContext?.roots !== roots) cachedContext = { roots, context: tls.createSecureContext({ ca: roots }) };
  return cachedContext.context;
}
