/**
 * The module origins `direct` reaches, on loopback: an HTTP forward proxy
 * that the go command is pointed at with HTTP_PROXY/HTTPS_PROXY (as a
 * corporate egress proxy would be). It answers the go command's
 * `?go-get=1` discovery for any `example.com/...` import path with a
 * `go-import` meta tag of the `mod` kind, naming a lab GOPROXY server as the
 * module's origin; HTTPS tunnels (CONNECT) are refused, so GOINSECURE must
 * name the module paths (go then falls back to plain HTTP discovery).
 *
 * This is the go command's own direct mode, end to end (discovery, then the
 * origin's files checked against go.sum), with no VCS tool and no traffic
 * off loopback: `git` over a real network is what it stands in for.
 */
import http from 'node:http';
import { listenLoopback, trackSockets } from './loopback.js';

export interface ModuleOrigin {
  /** http://127.0.0.1:<port>: the value for HTTP_PROXY and HTTPS_PROXY. */
  readonly url: string;
  /** Discovery requests seen, as `host/path`. */
  readonly discovered: string[];
  /** Env for a job whose `direct` reaches the origins: GOINSECURE for the lab's module host. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Serve discovery for `host` (default example.com), pointing every module at `originProxyUrl`. */
export async function startModuleOrigin(originProxyUrl: string, host = 'example.com'): Promise<ModuleOrigin> {
  const discovered: string[] = [];
  const server = http.createServer((req, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('lab origin: absolute-form requests only (a forward proxy)\n');
      return;
    }
    req.resume();
    if (target.hostname !== host || target.searchParams.get('go-get') !== '1') {
      res.writeHead(404).end('lab origin: not found\n');
      return;
    }
    const importPath = `${host}${target.pathname}`.replace(/\/+$/, '');
    discovered.push(importPath);
    const body = `<!DOCTYPE html><html><head><meta name="go-import" content="${importPath} mod ${originProxyUrl}"></head><body></body></html>\n`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  // No tunnels: https discovery fails and go, under GOINSECURE, falls back to http.
  server.on('connect', (_req, socket) => {
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
  });
  const sockets = trackSockets(server);
  const url = `http://127.0.0.1:${await listenLoopback(server)}`;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return {
    url,
    discovered,
    env: () => ({ HTTP_PROXY: url, HTTPS_PROXY: url, NO_PROXY: '127.0.0.1,localhost', GOINSECURE: host }),
    close,
  };
}
