/**
 * A git host on loopback HTTPS (the lab's certificate): git's smart HTTP protocol served by the real
 * `git http-backend`, the way GitLab serves a project, with a token check. It records the Authorization
 * header of every request, so a test can see how a push authenticated. Repositories are bare ones under
 * `root` (`<root>/<group>/<name>.git`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runCommand } from './go.js';
import { ensureLabPki } from './pki.js';

export interface GitServer {
  /** `https://127.0.0.1:<port>` */
  url: string;
  root: string;
  /** The Authorization header of each request, in order (undefined when none was sent). */
  authorizations: (string | undefined)[];
  /** A new bare repository at `<root>/<project>.git`; returns its https URL. */
  createProject(project: string): Promise<string>;
  close(): Promise<void>;
}

/** Accepts `Basic base64(<any user>:<token>)`, as GitLab accepts a project access token; anything else is 401. */
export async function startGitServer(opts: { root: string; token: string }): Promise<GitServer> {
  const pki = ensureLabPki();
  const authorizations: (string | undefined)[] = [];
  const authorized = (header: string | undefined): boolean => {
    const m = /^Basic (.+)$/.exec(header ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1) === opts.token;
  };
  const server = https.createServer({ cert: readFileSync(pki.server.cert), key: readFileSync(pki.server.key) }, (req, res) => {
    authorizations.push(req.headers.authorization);
    if (!authorized(req.headers.authorization)) {
      return void res.writeHead(401, { 'www-authenticate': 'Basic realm="lab"' }).end();
    }
    const url = new URL(req.url ?? '/', 'https://lab');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: opts.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        // http-backend lets an authenticated user push.
        REMOTE_USER: 'lab',
        REMOTE_ADDR: '127.0.0.1',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let sent = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (sent) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        const [name, value] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
      sent = true;
    });
    cgi.stdout.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    root: opts.root,
    authorizations,
    async createProject(project: string) {
      const dir = path.join(opts.root, `${project}.git`);
      mkdirSync(dir, { recursive: true });
      const r = await runCommand('git', ['init', '-q', '--bare', dir], { env: { PATH: process.env.PATH } });
      if (r.code !== 0) throw new Error(`git init --bare ${dir}: ${r.stderr}`);
      return `${url}/${project}.git`;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
