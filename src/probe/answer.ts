import { classifyStatus, failure, type Failure } from '../diagnosis/failure.js';
import { isPseudoVersion } from '../goproxy/module-path.js';
import type { ProbeRequest } from './plan.js';

export interface Answer {
  status: number;
  contentType: string;
  /** The body, or its first bytes for a zip. */
  body: Buffer;
}

export interface Judgement {
  ok: boolean;
  failure?: Failure;
  /** The proxy answered but lacks what the project needs. */
  stale?: string;
}

const looksLikeHtml = (a: Answer) =>
  /text\/html/i.test(a.contentType) || /^\s*<(!doctype|html|head|body)/i.test(a.body.subarray(0, 256).toString('utf8'));

/**
 * Judge one answer the way the go command would use it: a 200 that is not
 * what was asked for (a captive portal's HTML, an .info for another version,
 * a zip that is not a zip) is a broken proxy, not a success.
 */
export function judgeAnswer(req: ProbeRequest, a: Answer): Judgement {
  const id = req.module ? `${req.module.path}@${req.module.version}` : undefined;
  if (a.status === 404 || a.status === 410) {
    if (req.notFoundIsAnswer) return { ok: true };
    if (req.kind === 'list') return { ok: false, failure: failure('stale', `no version list for ${req.module?.path} (HTTP ${a.status})`), stale: req.module?.path };
    return { ok: false, failure: failure('stale', `lacks ${id} (HTTP ${a.status} for ${req.kind})`), stale: id };
  }
  if (a.status !== 200 && a.status !== 206) return { ok: false, failure: classifyStatus(a.status) };
  if (req.kind !== 'zip' && looksLikeHtml(a)) {
    return { ok: false, failure: failure('html', `HTML page instead of a ${req.kind} answer (captive portal or misconfigured proxy)`) };
  }
  const text = () => a.body.toString('utf8');
  switch (req.kind) {
    case 'list': {
      const versions = text().split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean) as string[];
      if (versions.some((v) => !/^v\d/.test(v))) return { ok: false, failure: failure('malformed', 'version list holds lines that are not versions') };
      const wanted = req.module?.version;
      if (wanted && !isPseudoVersion(wanted) && !versions.includes(wanted)) {
        return { ok: false, failure: failure('stale', `version list for ${req.module?.path} lacks ${wanted}`), stale: id };
      }
      return { ok: true };
    }
    case 'info':
    case 'latest': {
      let info: { Version?: unknown };
      try {
        info = JSON.parse(text());
      } catch {
        return { ok: false, failure: failure('malformed', `${req.kind} answer is not JSON`) };
      }
      if (typeof info.Version !== 'string') return { ok: false, failure: failure('malformed', `${req.kind} answer has no Version`) };
      if (req.kind === 'info' && info.Version !== req.module?.version) {
        return { ok: false, failure: failure('version-mismatch', `asked for ${id}, got ${info.Version}`) };
      }
      return { ok: true };
    }
    case 'mod':
      if (!/(^|\n)\s*module\s/.test(text())) return { ok: false, failure: failure('malformed', `go.mod for ${id} has no module line`) };
      return { ok: true };
    case 'zip':
      if (a.body.length < 4 || a.body.readUInt32LE(0) !== 0x04034b50) {
        return { ok: false, failure: failure('corrupt-zip', `${id}.zip is not a zip archive`) };
      }
      return { ok: true };
    case 'sumdb':
      return { ok: true };
  }
}
