// The heatmap overlay's side in the site page: the dashboard frames a page
// with '#microconv-overlay', and the loader (loader.js), which then tracks
// nothing, imports this module (dist/microconv-overlay.HASH.js) instead of the
// tracker chunk. Never part of a visitor's download, so it costs the critical
// path only the import line.
//
// It answers the collector's origin (the dashboard's, `endpoint`) alone, and
// only with geometry:
// - {microconv: 'measure'} -> {microconv: 'measure', width, height}: the
//   document's scroll size, which the click grid is relative to;
// - {microconv: 'boxes', keys: ['03fa9c', ...]} -> {microconv: 'boxes',
//   boxes: {'03fa9c': [[x, y, w, h], ...]}}: document-relative CSS px of every
//   element whose elementKey is asked for, so the dashboard draws each
//   element's 4 x 4 click cells over the element wherever it is laid out;
//   and names: {'03fa9c': 'button#add-to-cart'}, the path of the first such
//   element, which the owner's dashboard shows beside the key (the page is
//   the owner's own; no visitor ever sends a path for it).
// Elements are named as the tracker names a click's target (elementPath's
// rules: tags, positions and ids, never text). Nothing it does may throw into the page.
import { elementKey, kMaxDepth, step, usableId } from './element_path.js';

// Bounds on the work one question can cause: 20,000 elements took 0.06-0.13 s
// in headless Chromium on a busy 2-core machine (2,000 cards of 10 elements,
// or one list of 20,000 items); keys beyond the report's 50 rows per page and
// device are never asked; boxes past 100 per key say "shared" as well as more
// would.
const kMaxElements = 20000;
const kMaxKeys = 200;
const kMaxBoxesPerKey = 100;
const kKey = /^[0-9a-f]{6}$/;

export function answer(endpoint) {
  addEventListener('message', (event) => {
    try {
      const data = event.data;
      if (event.origin !== endpoint || !data || !event.source) return;
      if (data.microconv === 'measure') {
        const root = document.documentElement;
        event.source.postMessage(
          { microconv: 'measure', width: root.scrollWidth, height: root.scrollHeight },
          endpoint,
        );
      } else if (data.microconv === 'boxes' && Array.isArray(data.keys)) {
        event.source.postMessage({ microconv: 'boxes', ...boxesOf(data.keys) }, endpoint);
      }
    } catch (error) {
      try {
        console.warn('microconv: overlay: ' + error);
      } catch (_) {}
    }
  });
}

// The body and its elements in document order (at most kMaxElements): a
// click on the page's background has the path "body".
function boxesOf(keys) {
  const wanted = new Set(
    keys.slice(0, kMaxKeys).filter((key) => typeof key === 'string' && kKey.test(key)),
  );
  const boxes = {};
  const names = {};
  const body = document.body;
  if (!wanted.size || !body) return { boxes, names };
  const elements = body.getElementsByTagName('*');
  const count = Math.min(elements.length, kMaxElements - 1);
  const pathOf = elementPathNamer();
  for (let i = -1; i < count; i++) {
    const element = i < 0 ? body : elements[i];
    const path = pathOf(element);
    const key = elementKey(path);
    if (!wanted.has(key)) continue;
    const found = (boxes[key] = boxes[key] || []);
    if (found.length >= kMaxBoxesPerKey) continue;
    const rect = element.getBoundingClientRect();
    if (!(rect.width > 0 && rect.height > 0)) continue;
    found.push([rect.left + scrollX, rect.top + scrollY, rect.width, rect.height]);
    if (!names[key]) names[key] = path;
  }
  // A key whose elements all had no box is not on the page now.
  for (const key of Object.keys(boxes)) if (!boxes[key].length) delete boxes[key];
  return { boxes, names };
}

// elementPath (element_path.js) for many elements of one page, as the walk
// below needs: each parent's children are counted once and each step kept
// (elementPath scans the siblings at every step, quadratic over a long
// list: 1.4 s instead of 0.1 s for 2,000 cards of 10 elements). The same
// rules, built from element_path.js's own step; here and not there because
// any code added to that module renames the visitor's chunk's minified
// variables. tests/web/element_key.test.mjs holds the two equal over random
// trees. Returns a function of an element; its memo lives as long as it does.
export function elementPathNamer() {
  const steps = new Map();
  const stepOf = (element) => {
    const parent = element.parentElement;
    if (!parent || usableId(element)) return step(element);
    if (!steps.has(element)) {
      const counts = new Map();
      const indices = [];
      for (let child = parent.firstElementChild; child; child = child.nextElementSibling) {
        const index = (counts.get(child.localName) || 0) + 1;
        counts.set(child.localName, index);
        indices.push([child, index]);
      }
      for (const [child, index] of indices) {
        const tag = child.localName;
        const id = usableId(child);
        steps.set(
          child,
          id ? tag + '#' + id : counts.get(tag) > 1 ? tag + ':nth-of-type(' + index + ')' : tag,
        );
      }
    }
    return steps.get(element);
  };
  return (target) => {
    let element = target && target.nodeType === 1 ? target : target && target.parentElement;
    const parts = [];
    for (let depth = 0; element && depth < kMaxDepth; depth++) {
      const tag = element.localName;
      if (tag === 'body' || tag === 'html') break;
      parts.unshift(stepOf(element));
      if (usableId(element)) break;
      element = element.parentElement;
    }
    return parts.join('>') || 'body';
  };
}
