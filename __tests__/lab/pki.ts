/**
 * A throw-away PKI for TLS scenarios, made with the openssl CLI (always on the
 * machine; Node cannot issue certificates by itself).
 *
 * Trust model: only `caCert` is trusted (`SSL_CERT_FILE` for go,
 * `NODE_EXTRA_CA_CERTS` for node). `untrusted` chains to a second "rogue" CA
 * that is never put in any bundle, so clients report an unknown authority
 * rather than a self-signed oddity.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Same default as paths.ts `labRoot`, computed here because this module must
 * import nothing relative: jest loads global-setup (and so this file) through
 * its CommonJS require hook, which cannot map NodeNext `./x.js` specifiers to
 * `./x.ts` sources.
 */
const defaultPkiDir = path.join(
  process.env.GO_PROXY_GUARD_LAB_DIR ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.lab'),
  'pki',
);

export interface KeyPair {
  /** PEM certificate path. */
  cert: string;
  /** PEM private key path (unencrypted). */
  key: string;
}

export interface LabPki {
  dir: string;
  /** The one CA clients should trust. */
  caCert: string;
  caKey: string;
  /** CA of `untrusted`; deliberately in no bundle. */
  rogueCaCert: string;
  /** 127.0.0.1 + localhost, valid for about a year. */
  server: KeyPair;
  /** Signed by the lab CA, ended 10 days ago. */
  expired: KeyPair;
  /** Signed by the lab CA, ends in about 5 days (4-5 days, see MAX_AGE_MS). */
  expiringSoon: KeyPair;
  /** Right names, valid dates, but signed by the rogue CA. */
  untrusted: KeyPair;
}

const DAY = 24 * 60 * 60 * 1000;
/** Bump when the layout or the certificates' shape changes, to force a rebuild. */
const PKI_VERSION = 2;
/**
 * `.lab` survives between runs, but "expires in 5 days" does not stay true:
 * rebuild once the set is a day old so expiringSoon is always 4-5 days out.
 */
const MAX_AGE_MS = DAY;

interface Manifest {
  version: number;
  createdAt: number;
}

function layout(dir: string): LabPki {
  const pair = (name: string): KeyPair => ({ cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) });
  return {
    dir,
    caCert: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    rogueCaCert: path.join(dir, 'rogue-ca.crt'),
    server: pair('server'),
    expired: pair('expired'),
    expiringSoon: pair('expiring-soon'),
    untrusted: pair('untrusted'),
  };
}

function isFresh(dir: string): boolean {
  try {
    const m = JSON.parse(readFileSync(path.join(dir, 'pki.json'), 'utf8')) as Manifest;
    if (m.version !== PKI_VERSION || Date.now() - m.createdAt > MAX_AGE_MS) return false;
    const l = layout(dir);
    return [l.caCert, l.caKey, l.rogueCaCert, l.server, l.expired, l.expiringSoon, l.untrusted]
      .flatMap((p) => (typeof p === 'string' ? [p] : [p.cert, p.key]))
      .every((p) => existsSync(p));
  } catch {
    return false;
  }
}

/** `openssl ca` wants GeneralizedTime `YYYYMMDDHHMMSSZ`. */
function asn1Time(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * A self-contained config: no dependency on the distro's openssl.cnf, and one
 * `openssl ca` database per CA so both CAs can sign independently.
 */
function caConfig(caDir: string): string {
  return `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ca ]
default_ca = lab_ca
[ lab_ca ]
database = ${caDir}/index.txt
new_certs_dir = ${caDir}/newcerts
serial = ${caDir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
commonName = supplied
`;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(work: string, name: string, cn: string): { cnf: string; cert: string; key: string } {
  const caDir = path.join(work, `${name}.db`);
  mkdirSync(path.join(caDir, 'newcerts'), { recursive: true });
  writeFileSync(path.join(caDir, 'index.txt'), '');
  writeFileSync(path.join(caDir, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
  const cnf = path.join(caDir, 'openssl.cnf');
  writeFileSync(cnf, caConfig(caDir));
  const cert = path.join(work, `${name}.crt`);
  const key = path.join(work, `${name}.key`);
  openssl(
    [
      'req',
      '-config',
      cnf,
      '-x509',
      '-new',
      ...EC,
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '3650',
      '-subj',
      `/O=go-proxy-guard lab/CN=${cn}`,
      '-extensions',
      'v3_ca',
    ],
    work,
  );
  return { cnf, cert, key };
}

function issue(work: string, ca: { cnf: string; cert: string; key: string }, name: string, notBefore: number, notAfter: number): void {
  const csr = path.join(work, `${name}.csr`);
  openssl(
    [
      'req',
      '-config',
      ca.cnf,
      '-new',
      ...EC,
      '-keyout',
      path.join(work, `${name}.key`),
      '-out',
      csr,
      '-subj',
      `/O=go-proxy-guard lab/CN=${name} 127.0.0.1`,
    ],
    work,
  );
  // `openssl ca` (unlike `x509 -req` on OpenSSL 3.0) can put notBefore in the
  // past, which is the only way to get a genuinely expired certificate.
  openssl(
    [
      'ca',
      '-config',
      ca.cnf,
      '-batch',
      '-notext',
      '-cert',
      ca.cert,
      '-keyfile',
      ca.key,
      '-in',
      csr,
      '-out',
      path.join(work, `${name}.crt`),
      '-startdate',
      asn1Time(notBefore),
      '-enddate',
      asn1Time(notAfter),
      '-extensions',
      'v3_server',
    ],
    work,
  );
  rmSync(csr);
}

/**
 * Create (once) and return the lab PKI. Idempotent: an existing set younger
 * than a day is reused. Built in a scratch directory and renamed into place,
 * so a reader never sees a half-written set.
 */
export function ensureLabPki(dir: string = defaultPkiDir): LabPki {
  if (isFresh(dir)) return layout(dir);
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  const work = path.join(parent, `.pki-build-${process.pid}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  try {
    const now = Date.now();
    const ca = makeCa(work, 'ca', 'go-proxy-guard lab CA');
    const rogue = makeCa(work, 'rogue-ca', 'go-proxy-guard ROGUE CA (never trusted)');
    issue(work, ca, 'server', now - DAY, now + 365 * DAY);
    issue(work, ca, 'expired', now - 40 * DAY, now - 10 * DAY);
    issue(work, ca, 'expiring-soon', now - DAY, now + 5 * DAY);
    issue(work, rogue, 'untrusted', now - DAY, now + 365 * DAY);
    rmSync(rogue.key);
    writeFileSync(path.join(work, 'pki.json'), JSON.stringify({ version: PKI_VERSION, createdAt: now } satisfies Manifest));
    if (isFresh(dir)) return layout(dir); // another process won the race
    const trash = `${work}.old`;
    try {
      if (existsSync(dir)) renameSync(dir, trash);
      renameSync(work, dir);
    } catch (e) {
      if (isFresh(dir)) return layout(dir); // a concurrent run swapped its own set in first
      throw e;
    } finally {
      rmSync(trash, { recursive: true, force: true });
    }
    return layout(dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
