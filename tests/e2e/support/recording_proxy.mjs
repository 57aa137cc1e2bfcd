// Sits between the pages and the collector and records every request that
// reaches the collector's side, body included. Browsers do not report
// beacons sent while a page unloads, so the network edge is where the
// privacy audit and the journey test see all of them.
import { createServer, request as forward } from 'node:http';
import { beaconSummary } from './beacon.mjs';

// `addHeaders`: set on every forwarded request, as a reverse proxy adds the
// visitor's address; records hold the headers as forwarded, the body as
// sent and, for beacons, `summary`: the body inflated (support/beacon.mjs).
export async function startRecordingProxy(targetUrl, { addHeaders = {} } = {}) {
  const target = new URL(targetUrl);
  const records = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers = { ...req.headers, ...addHeaders, host: target.host };
      const summary = req.url.startsWith('/api/collect') ? beaconSummary(req.url, body) : body;
      records.push({ method: req.method, url: req.url, headers, body, summary });
      const upstream = forward(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (reply) => {
          res.writeHead(reply.statusCode, reply.headers);
          reply.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    records,
    collects: () => records.filter((r) => r.method === 'POST' && r.url.startsWith('/api/collect')),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
