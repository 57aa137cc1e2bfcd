// A stable, text-free name for a clicked element: heatmaps and frustration
// reports group by it. Only tag names, positions among siblings and ids are
// read: never text, never any other attribute value.
const kMaxIdLength = 64;
export const kMaxDepth = 4;

// Whether an id (or a field name) may name a person or an account: an
// e-mail, a run of 6 or more digits, or an identifier as a whole (all
// digits; 8+ hex digits with only dashes besides). Such an id is never sent:
// the element is named by its position instead. The C++ twin is
// LooksPersonal in core/page_pattern.h, which the core applies to every name
// a summary carries; tests/golden/personal_names.tsv holds the cases both
// are held to (tests/web/personal_names.test.mjs, page_pattern_test.cc).
export function looksPersonal(text) {
  return (
    /@|%40|\d{6}|^\d+$/.test(text) ||
    (/^[\da-f-]+$/i.test(text) && text.replace(/-/g, '').length >= 8)
  );
}

export function usableId(element) {
  const id = element.id;
  return typeof id === 'string' && id && id.length <= kMaxIdLength && !looksPersonal(id) ? id : '';
}

export function step(element) {
  const tag = element.localName;
  const id = usableId(element);
  if (id) return tag + '#' + id;
  const parent = element.parentElement;
  if (!parent) return tag;
  let index = 0;
  let count = 0;
  for (let sibling = parent.firstElementChild; sibling; sibling = sibling.nextElementSibling) {
    if (sibling.localName !== tag) continue;
    count++;
    if (sibling === element) index = count;
  }
  return count > 1 ? tag + ':nth-of-type(' + index + ')' : tag;
}

// `a#buy` or `section#reviews>button` when the element or an ancestor
// within 3 levels has an id; else a short tag path such as
// `main>ul>li:nth-of-type(2)>a`.
export function elementPath(target) {
  let element = target && target.nodeType === 1 ? target : target && target.parentElement;
  const parts = [];
  for (let depth = 0; element && depth < kMaxDepth; depth++) {
    const tag = element.localName;
    if (tag === 'body' || tag === 'html') break;
    parts.unshift(step(element));
    if (usableId(element)) break;
    element = element.parentElement;
  }
  return parts.join('>') || 'body';
}

// The element's key in reports (`heatmap.elements[].rows[].key`): the top 24
// bits of FNV-1a 32 over the UTF-8 bytes of its elementPath, as 6 lowercase
// hex digits ("03fa9c"). Only the heatmap overlay (overlay.js) calls it; the
// visitor's chunk sends the path and the core keys the click itself. The C++
// twin is ElementKey in core/element_heatmap.h (Fnv1a32(path) >> 8):
// tests/web/element_key.test.mjs pins the FNV vectors here, and
// tests/e2e/element_heatmap_demo.test.mjs proves the two agree (the core's
// report keys of simulated clicks found again on the live demo page).
export function elementKey(path) {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(path)) hash = Math.imul(hash ^ byte, 0x01000193);
  return (hash >>> 8).toString(16).padStart(6, '0');
}
