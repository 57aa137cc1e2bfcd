// Sends cumulative summaries to the collector. text/plain keeps the POST a
// "simple" request (no CORS preflight). Summaries are cumulative, so only the
// latest per session nonce matters. A beacon the browser accepted is the
// browser's to deliver: kept, a later page load (maybe the next visit's) would
// re-send it together with that visit's requests and join the two. So the
// outbox keeps only a summary the browser did not take (beacon refused,
// offline) until a fetch of it got an answer; the next page load retries it.
// Each summary goes deflated against the beacon dictionary (deflate.js): the
// `z` parameter names the dictionary, and the collector inflates before its
// Verifier. Outbox entries are [nonce, base64, dictionary version]; an entry
// of two is a plain summary an older tracker left.
import { deflate } from './deflate.js';
import { toBase64, fromBase64 } from './storage.js';
import { warnOnce } from './status.js';
import { kBeaconDictionary, kBeaconDictionaryVersion } from './wire/beacon_dictionary.js';

const kOutboxKey = 'outbox';
const kOutboxLimit = 4;

export class Transport {
  constructor(endpoint, storage) {
    this.url = endpoint + '/api/collect';
    this.storage = storage;
    this.dictionary = null; // decoded on the first send
  }

  // `version`: the dictionary `bytes` were deflated with (none: plain).
  urlFor(version) {
    return version ? this.url + '?z=' + encodeURIComponent(version) : this.url;
  }

  // `nonce`: hex string of the summary's session nonce.
  send(nonce, summary) {
    if (!this.dictionary) this.dictionary = fromBase64(kBeaconDictionary);
    const bytes = deflate(summary, this.dictionary);
    const version = kBeaconDictionaryVersion;
    // Offline, a beacon is accepted and lost: keep the summary instead.
    const handed = navigator.onLine !== false && this.beacon(bytes, version);
    // An older entry of the nonce is superseded either way.
    this.remember(nonce, handed ? null : [nonce, toBase64(bytes), version]);
    if (handed) return;
    this.post(bytes, version).then((delivered) => {
      if (delivered) this.forget(nonce, bytes.length);
    });
  }

  beacon(bytes, version) {
    try {
      if (typeof navigator.sendBeacon !== 'function') {
        warnOnce('no sendBeacon; using fetch keepalive');
        return false;
      }
      return navigator.sendBeacon(this.urlFor(version), new Blob([bytes], { type: 'text/plain' }));
    } catch (error) {
      warnOnce('sendBeacon failed; using fetch keepalive', String(error));
      return false;
    }
  }

  // Resolves true when the collector answered (stored or rejected for good:
  // a 4xx will not get better by retrying), false when it could not be
  // reached or failed (5xx).
  post(bytes, version) {
    try {
      return fetch(this.urlFor(version), {
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
        ? entries.filter((e) => Array.isArray(e) && (e.length === 2 || e.length === 3))
        : [];
    } catch (_) {
      return [];
    }
  }

  // `entry`: the nonce's new entry, or null for none.
  remember(nonce, entry) {
    const entries = this.outbox().filter(([n]) => n !== nonce);
    if (entry) entries.push(entry);
    this.store(entries.slice(-kOutboxLimit));
  }

  // Nothing stored while nothing waits.
  store(entries) {
    if (entries.length) this.storage.set(kOutboxKey, JSON.stringify(entries));
    else this.storage.remove(kOutboxKey);
  }

  // Forgets the nonce's entry unless a newer (longer or different) summary
  // replaced it meanwhile.
  forget(nonce, length) {
    const entries = this.outbox();
    const kept = entries.filter(([n, text]) => {
      const bytes = fromBase64(text);
      return n !== nonce || (bytes && bytes.length !== length);
    });
    if (kept.length !== entries.length) this.store(kept);
  }

  // On page load: re-sends what earlier pages could not hand over, except the
  // session that continues here (its next flush supersedes it). An earlier
  // visit's entry sent here is the one case where a summary of one visit
  // arrives during another (README, privacy: what joins two visits).
  retry(currentNonce) {
    for (const [nonce, text, version] of this.outbox()) {
      if (nonce === currentNonce) continue;
      const bytes = fromBase64(text);
      if (!bytes) {
        this.forget(nonce, -1);
        continue;
      }
      this.post(bytes, version).then((delivered) => {
        if (delivered) this.forget(nonce, bytes.length);
      });
    }
  }
}
