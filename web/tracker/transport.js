// Sends cumulative summaries to the collector. text/plain keeps the POST a
// "simple" request (no CORS preflight). Summaries are cumulative, so only the
// latest per session nonce matters: the outbox keeps that one until a request
// is known to have arrived, and the next page load retries the others.
import { toBase64, fromBase64 } from './storage.js';
import { warnOnce } from './status.js';

const kOutboxKey = 'outbox';
const kOutboxLimit = 4;

export class Transport {
  constructor(endpoint, storage) {
    this.url = endpoint + '/api/collect';
    this.storage = storage;
  }

  // `nonce`: hex string of the summary's session nonce.
  send(nonce, bytes) {
    this.remember(nonce, bytes);
    if (this.beacon(bytes)) return;
    this.post(bytes).then((delivered) => {
      if (delivered) this.forget(nonce, bytes.length);
    });
  }

  beacon(bytes) {
    try {
      if (typeof navigator.sendBeacon !== 'function') {
        warnOnce('no sendBeacon; using fetch keepalive');
        return false;
      }
      return navigator.sendBeacon(this.url, new Blob([bytes], { type: 'text/plain' }));
    } catch (error) {
      warnOnce('sendBeacon failed; using fetch keepalive', String(error));
      return false;
    }
  }

  // Resolves true when the collector answered (stored or rejected for good:
  // a 4xx will not get better by retrying), false when it could not be
  // reached or failed (5xx).
  post(bytes) {
    try {
      return fetch(this.url, {
        method: 'POST',
        keepalive: bytes.length < 60000,
        body: bytes,
        headers: { 'Content-Type': 'text/plain' },
        credentials: 'omit',
      }).then(
        (response) => {
          if (response.status >= 500) warnOnce('collector failed; keeping the summary for retry');
          return response.status < 500;
        },
        (error) => {
          warnOnce('collector unreachable; keeping the summary for retry', String(error));
          return false;
        },
      );
    } catch (error) {
      warnOnce('fetch failed; keeping the summary for retry', String(error));
      return Promise.resolve(false);
    }
  }

  outbox() {
    try {
      const entries = JSON.parse(this.storage.get(kOutboxKey) || '[]');
      return Array.isArray(entries)
        ? entries.filter((e) => Array.isArray(e) && e.length === 2)
        : [];
    } catch (_) {
      return [];
    }
  }

  remember(nonce, bytes) {
    const entries = this.outbox().filter(([n]) => n !== nonce);
    entries.push([nonce, toBase64(bytes)]);
    this.storage.set(kOutboxKey, JSON.stringify(entries.slice(-kOutboxLimit)));
  }

  // Forgets the nonce's entry unless a newer (longer or different) summary
  // replaced it meanwhile.
  forget(nonce, length) {
    const entries = this.outbox();
    const kept = entries.filter(([n, text]) => {
      const bytes = fromBase64(text);
      return n !== nonce || (bytes && bytes.length !== length);
    });
    if (kept.length !== entries.length) this.storage.set(kOutboxKey, JSON.stringify(kept));
  }

  // On page load: re-sends what earlier pages left behind, except the
  // session that continues here (its next flush supersedes it).
  retry(currentNonce) {
    for (const [nonce, text] of this.outbox()) {
      if (nonce === currentNonce) continue;
      const bytes = fromBase64(text);
      if (!bytes) {
        this.forget(nonce, -1);
        continue;
      }
      this.post(bytes).then((delivered) => {
        if (delivered) this.forget(nonce, bytes.length);
      });
    }
  }
}
