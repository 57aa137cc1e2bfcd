// The host site: serves single-purpose HTML fixtures on 127.0.0.1 under the
// paths the demo config knows (/product/:id, /checkout/shipping...). A
// fixture names the collector with {{ENDPOINT}}; a route may add a CSP.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fixturesDir } from './paths.mjs';

// `routes`: {'/path': 'file.html' | {file, csp, type}} (files relative to fixtures/); a key ending in '*'
// matches any path with that prefix.
export async function startSite(routes, endpoint) {
  const lookup = (path) => {
    if (routes[path]) return routes[path];
    const prefix = Object.keys(routes).find(
      (key) => key.endsWith('*') && path.startsWith(key.slice(0, -1)),
    );
    return prefix ? routes[prefix] : null;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const route = lookup(url.pathname);
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
      return;
    }
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const { file, csp, type } = typeof route === 'string' ? { file: route } : route;
    const html = readFileSync(join(fixturesDir, file), 'utf8').replaceAll('{{ENDPOINT}}', endpoint);
    const headers = {
      'Content-Type': type || 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
    };
    if (csp) headers['Content-Security-Policy'] = csp.replaceAll('{{ENDPOINT}}', endpoint);
    res.writeHead(200, headers);
    res.end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
