// Serves the explorer on localhost (`npm run explorer`; `-- --port N`, `-- --out DIR`), node:http only:
// builds the static site first (build.mjs), then answers its files with the headers the page wants:
//   Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp
//     (cross-origin isolated: SharedArrayBuffer, and nabla's Web Worker threads where they are asked for)
//   Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob: (and the rest
//     of CSP below): no eval, no inline script; 'wasm-unsafe-eval' compiles nabla's kernels, blob: is
//     where nabla's thread workers come from, 'self' is the training worker.
// Every response gets all of them (a worker's script response carries its own CSP and COEP).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_OUT, buildExplorer, outArgument } from './build.mjs';

export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.safetensors': 'application/octet-stream',
};

/**
 * Serves the folder `dir` on host:port (port 0: any free one) with `headers` on every response;
 * resolves with the listening server.
 * @example
 * const server = await serveExplorer({ dir: 'runs/explorer-site', port: 0 });
 */
export function serveExplorer({ dir = DEFAULT_OUT, host = '127.0.0.1', port = 8000, headers = HEADERS } = {}) {
  const server = createServer(async (req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, headers).end();
      return;
    }
    const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
    const type = TYPES[extname(file)];
    if (relative(dir, file).startsWith(`..${sep}`) || type === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, headers).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, headers).end();
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => done(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const portAt = argv.indexOf('--port');
  const port = portAt >= 0 ? Number(argv[portAt + 1]) : 8000;
  try {
    const dir = outArgument(argv);
    await buildExplorer(dir);
    const server = await serveExplorer({ dir, port });
    console.log(`nabla explorer (built in ${relative(process.cwd(), dir) || '.'}): http://127.0.0.1:${server.address().port}/`);
    console.log('cross-origin isolated (COOP/COEP) under a strict CSP; Ctrl-C stops it');
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    if (error?.code === 'EADDRINUSE') console.error(`port ${port} is taken: npm run explorer -- --port <another>`);
    process.exit(1);
  }
}
