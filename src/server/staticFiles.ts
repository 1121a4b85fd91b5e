/**
 * Static files of the service (Node only): `/` → web/index.html, `/web/…` → web/, `/lib/…` → dist/ (the library's
 * ESM build), `/models/…` → models/, all below the package root. Paths are decoded, normalised and refused if they
 * leave their directory; a missing file (or a missing web/) is a clean 404. Every response of the service carries the
 * cross-origin isolation headers (`securityHeaders`), which the browser needs for SharedArrayBuffer (the library's
 * thread pool).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { ServiceError } from './envelopes.js';

/** Cross-origin isolation (COOP + COEP: `crossOriginIsolated`, SharedArrayBuffer) and two cheap hardening headers. */
export const securityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
});

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json; charset=utf-8', '.map': 'application/json; charset=utf-8',
  '.png': 'image/png', '.jpg': 'image/jpeg', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8', '.ts': 'text/plain; charset=utf-8',
};

const MOUNTS: readonly (readonly [prefix: string, directory: string])[] = [['/web/', 'web'], ['/lib/', 'dist'], ['/models/', 'models']];

/** The file a static URL path names, or undefined when no mount serves it (404 from the caller). */
export function staticPath(root: string, pathname: string): string | undefined {
  if (pathname === '/' || pathname === '/index.html') return join(root, 'web', 'index.html');
  const mount = MOUNTS.find(([prefix]) => pathname.startsWith(prefix));
  if (mount === undefined) return undefined;
  let rest: string;
  try {
    rest = decodeURIComponent(pathname.slice(mount[0].length));
  } catch {
    return undefined;
  }
  if (rest.includes('\0') || rest.split(/[\\/]/).some((s) => s === '..' || s.startsWith('.'))) return undefined;
  const base = resolve(root, mount[1]);
  const file = resolve(base, rest);
  return file.startsWith(base + sep) ? file : undefined;
}

/** Serves a GET / HEAD of a static file; throws a 404 ServiceError when there is none. */
export async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const file = staticPath(root, pathname);
  const info = file === undefined ? undefined : await stat(file).catch(() => undefined);
  if (file === undefined || info === undefined || !info.isFile()) throw new ServiceError(404, 'NOT_FOUND', `no such file ${pathname}`);
  res.writeHead(200, {
    ...securityHeaders,
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(info.size),
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((done, fail) => {
    const s = createReadStream(file);
    s.on('error', fail);
    res.on('close', () => {
      s.destroy();
      done();
    });
    s.pipe(res);
  });
}
