#!/usr/bin/env node
// A small static file server for the demo page and the browser tests.
//
//   node www/scripts/serve.mjs [--port N] [--host H] [--root DIR]
//
// Serves www/ (default) on http://127.0.0.1:${PORT:-8080}/ with the right
// MIME types (.wasm as application/wasm, so instantiateStreaming works) and
// the strict Content-Security-Policy the page is written for. Port 0 picks a
// free port. Loopback only by default; no directory listings, no dotfiles,
// no node_modules.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const WWW = resolve(fileURLToPath(new URL('..', import.meta.url)));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The policy the page must work under: no inline script or style, no eval (wasm compile allowed). */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** The response headers: with `cspHeader` false the page relies on its <meta> policy alone. */
function headersFor(cspHeader) {
  if (cspHeader) return HEADERS;
  const { 'Content-Security-Policy': _, ...rest } = HEADERS;
  return rest;
}

function send(res, status, text, headers = HEADERS) {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${status} ${text}\n`);
}

/** Maps a request path to a file under `root`, or null when it must not be served. */
function fileFor(root, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const parts = path.split('/').filter(Boolean);
  if (parts.some((p) => p.startsWith('.') || p === 'node_modules')) return null;
  const file = resolve(root, ...parts);
  return file === root || file.startsWith(root + sep) ? file : null;
}

async function handle(root, req, res, headers) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'Method Not Allowed', headers);
  }
  const { pathname } = new URL(req.url, 'http://localhost');
  let file = fileFor(root, pathname);
  if (file === null) return send(res, 404, 'Not Found', headers);
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    if (!pathname.endsWith('/')) {
      res.writeHead(301, { ...headers, Location: `${pathname}/` });
      return res.end();
    }
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return send(res, 404, 'Not Found', headers);
  res.writeHead(200, {
    ...headers,
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/**
 * Starts the server. Resolves once it listens.
 * `cspHeader: false` leaves out the Content-Security-Policy header (the pages
 * still carry it in a <meta> tag), for testing both ways of delivering it.
 * @param {{root?: string, port?: number, host?: string, cspHeader?: boolean}} [options]
 * @returns {Promise<{url: string, port: number, server: import('node:http').Server, close: () => Promise<void>}>}
 */
export function startServer({ root = WWW, port = 8080, host = '127.0.0.1', cspHeader = true } = {}) {
  const dir = resolve(root);
  const headers = headersFor(cspHeader);
  const server = createServer((req, res) => {
    handle(dir, req, res, headers).catch(() => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error', headers);
      else res.destroy();
    });
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      const actual = server.address().port;
      const shown = host.includes(':') ? `[${host}]` : host;
      ok({
        url: `http://${shown}:${actual}/`,
        port: actual,
        server,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function parseArgs(argv) {
  const opts = { port: Number(process.env.PORT ?? 8080), host: '127.0.0.1', root: WWW, cspHeader: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--port') opts.port = Number(value());
    else if (flag === '--host') opts.host = value();
    else if (flag === '--root') opts.root = value();
    else if (flag === '--no-csp-header') opts.cspHeader = false;
    else if (flag === '-h' || flag === '--help') {
      console.log('usage: node www/scripts/serve.mjs [--port N] [--host H] [--root DIR] [--no-csp-header]  (PORT env sets the default port)');
      process.exit(0);
    } else {
      console.error(`serve.mjs: unknown argument ${argv[i]}`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    console.error('serve.mjs: the port must be a whole number from 0 to 65535');
    process.exit(2);
  }
  return opts;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const opts = parseArgs(process.argv.slice(2));
  startServer(opts).then(
    ({ url, close }) => {
      console.log(`medcode demo: serving ${opts.root} on ${url}  (Ctrl-C stops)`);
      const stop = () => close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err) => {
      const hint = err.code === 'EADDRINUSE' ? ` (port ${opts.port} is taken: set PORT to another one)` : '';
      console.error(`serve.mjs: cannot listen on ${opts.host}:${opts.port}: ${err.message}${hint}`);
      process.exit(1);
    },
  );
}
