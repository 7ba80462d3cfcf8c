import * as fs from 'node:fs/promises';
import { failure, type Failure } from '../diagnosis/failure.js';
import { hasZipMagic, infoShape, listShape, looksLikeHtml, modShape } from '../goproxy/answer-shape.js';
import { goModHash } from '../goproxy/dirhash.js';
import { isCanonicalVersion } from '../goproxy/module-path.js';
import { checkModuleZip, ZipRefused } from '../goproxy/module-zip.js';
import type { HeldBody } from './body.js';
import type { ServeRequest } from './request-path.js';

/**
 * Is this 200 fit to hand to the go command, or to place in its module
 * cache? A captive portal's page, an .info for another version, a zip of
 * the wrong module or shaped like a zip bomb, or (when go.sum's hash came
 * with the request) a file go.sum refuses is an upstream failure, tried
 * elsewhere, never passed on. Every answer is checked whatever its size:
 * one held on disk is read back, within the limit its kind was held to
 * (MAX_ANSWER_BYTES). `signal` is the request's deadline: the zip is
 * inflated for its hash under it.
 */
export async function answerProblem(
  req: ServeRequest,
  contentType: string,
  body: HeldBody,
  signal?: AbortSignal,
): Promise<Failure | undefined> {
  if (looksLikeHtml(contentType, body.head)) {
    return failure('html', `HTML page instead of ${req.label} (captive portal or misconfigured proxy)`);
  }
  if (req.kind === 'zip') return zipProblem(req, body, signal);
  if (req.kind === 'sumdb') return undefined;
  const bytes = body.memory ?? (await fs.readFile(body.file as string));
  if (req.kind === 'mod' && req.sum !== undefined) {
    const h1 = goModHash(bytes);
    if (h1 !== req.sum)
      return failure('checksum-mismatch', `go.mod of ${req.module}@${req.version}: h1 ${h1} does not match go.sum's ${req.sum}`);
  }
  const text = bytes.toString('utf8');
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
  }
}

/** The zip checked as the go command will check it, in bounded work; hashed against go.sum when the request carries its h1:. */
async function zipProblem(req: ServeRequest, body: HeldBody, signal: AbortSignal | undefined): Promise<Failure | undefined> {
  const id = `${req.module}@${req.version}`;
  if (!hasZipMagic(body.head)) return failure('corrupt-zip', `${id}.zip is not a zip archive`);
  const source = body.file ? { file: body.file } : { buffer: body.memory ?? Buffer.alloc(0) };
  try {
    const facts = await checkModuleZip(
      source,
      { module: req.module ?? '', version: req.version ?? '' },
      { hash: req.sum !== undefined, signal },
    );
    if (req.sum !== undefined && facts.h1 !== req.sum)
      return failure('checksum-mismatch', `${id}.zip: h1 ${facts.h1} does not match go.sum's ${req.sum}`);
    return undefined;
  } catch (err) {
    if (err instanceof ZipRefused) return failure('corrupt-zip', `${id}.zip ${err.message}`);
    throw err;
  }
}
