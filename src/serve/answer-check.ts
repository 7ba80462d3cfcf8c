import { failure, type Failure } from '../diagnosis/failure.js';
import { infoShape, listShape, looksLikeHtml, modShape } from '../goproxy/answer-shape.js';
import { isCanonicalVersion } from '../goproxy/module-path.js';
import type { HeldBody } from './body.js';
import type { ServeRequest } from './request-path.js';
import { zipLayoutProblem } from './zip-layout.js';

/**
 * Is this 200 fit to hand to the go command? A captive portal's page, an
 * .info for another version or a zip of the wrong module is an upstream
 * failure, tried elsewhere, never passed on.
 */
export async function answerProblem(req: ServeRequest, contentType: string, body: HeldBody): Promise<Failure | undefined> {
  if (looksLikeHtml(contentType, body.head)) {
    return failure('html', `HTML page instead of ${req.label} (captive portal or misconfigured proxy)`);
  }
  if (req.kind === 'zip') return zipLayoutProblem(body, req.module ?? '', req.version ?? '');
  // Text answers are small; one that spilled to disk is only checked for HTML.
  const text = body.memory?.toString('utf8');
  if (text === undefined) return undefined;
  switch (req.kind) {
    case 'list':
      return listShape(text);
    case 'info':
      // An .info asked by query (a branch, a commit) names the version it resolved to.
      return infoShape(text, req.label, req.version && isCanonicalVersion(req.version) ? req.version : undefined);
    case 'latest':
      return infoShape(text, req.label);
    case 'mod':
      return modShape(text, `${req.module}@${req.version}`);
    case 'sumdb':
      return undefined;
  }
}
