// The summary a beacon carries: its body inflated with the beacon dictionary
// when the URL names one (`?z=`, web/tracker/transport.js), else the body as
// sent (also when it does not inflate: the collector refuses those). Privacy
// scans read this, so compression cannot hide what left.
import { inflateRawSync } from 'node:zlib';
import {
  kBeaconDictionary,
  kBeaconDictionaryVersion,
} from '../../../web/tracker/wire/beacon_dictionary.js';

export function beaconSummary(url, body) {
  if (!body) return body;
  const version = new URL(url, 'http://x').searchParams.get('z');
  if (version === null) return body;
  if (version !== String(kBeaconDictionaryVersion)) return body;
  try {
    return inflateRawSync(body, { dictionary: Buffer.from(kBeaconDictionary, 'base64') });
  } catch (_) {
    return body;
  }
}
