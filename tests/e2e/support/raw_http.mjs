// GET as a browser sends it, keeping the bytes on the wire: node's fetch
// would decode Content-Encoding and normalise the path ("/a/../b", "%00").
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

export function rawGet(url, headers = {}) {
  const { hostname, port } = new URL(url);
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

// The body as the page sees it after the browser undoes Content-Encoding.
export function decoded(response) {
  const coding = response.headers['content-encoding'];
  if (coding === 'br') return brotliDecompressSync(response.body);
  if (coding === 'gzip') return gunzipSync(response.body);
  if (coding === undefined) return response.body;
  throw new Error('unexpected Content-Encoding ' + coding);
}
