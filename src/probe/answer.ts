import { classifyStatus, failure, type Failure } from '../diagnosis/failure.js';
import { hasZipMagic, infoShape, listShape, listVersions, looksLikeHtml, modShape } from '../goproxy/answer-shape.js';
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

/**
 * Judge one answer the way the go command would use it: a 200 that is not
 * what was asked for (a captive portal's HTML, an .info for another version,
 * a zip that is not a zip) is a broken proxy, not a success.
 */
export function judgeAnswer(req: ProbeRequest, a: Answer): Judgement {
  const id = req.module ? `${req.module.path}@${req.module.version}` : undefined;
  if (a.status === 404 || a.status === 410) {
    if (req.notFoundIsAnswer) return { ok: true };
    if (req.kind === 'list')
      return {
        ok: false,
        failure: failure('stale', `no version list for ${req.module?.path} (HTTP ${a.status})`),
        stale: req.module?.path,
      };
    return { ok: false, failure: failure('stale', `lacks ${id} (HTTP ${a.status} for ${req.kind})`), stale: id };
  }
  if (a.status !== 200 && a.status !== 206) return { ok: false, failure: classifyStatus(a.status) };
  if (req.kind !== 'zip' && looksLikeHtml(a.contentType, a.body)) {
    return { ok: false, failure: failure('html', `HTML page instead of a ${req.kind} answer (captive portal or misconfigured proxy)`) };
  }
  const text = () => a.body.toString('utf8');
  switch (req.kind) {
    case 'list': {
      const problem = listShape(text());
      if (problem) return { ok: false, failure: problem };
      const wanted = req.module?.version;
      if (wanted && !isPseudoVersion(wanted) && !listVersions(text()).includes(wanted)) {
        return { ok: false, failure: failure('stale', `version list for ${req.module?.path} lacks ${wanted}`), stale: id };
      }
      return { ok: true };
    }
    case 'info':
    case 'latest': {
      const problem = infoShape(text(), req.kind, req.kind === 'info' ? req.module?.version : undefined);
      return problem ? { ok: false, failure: problem } : { ok: true };
    }
    case 'mod': {
      const problem = modShape(text(), id ?? '');
      return problem ? { ok: false, failure: problem } : { ok: true };
    }
    case 'zip':
      if (!hasZipMagic(a.body)) return { ok: false, failure: failure('corrupt-zip', `${id}.zip is not a zip archive`) };
      return { ok: true };
    case 'sumdb':
      return { ok: true };
  }
}
