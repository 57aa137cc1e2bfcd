// A stable, text-free name for a clicked element: heatmaps and frustration
// reports group by it. Only tag names, positions among siblings and ids are
// read: never text, never any other attribute value.
const kMaxIdLength = 64;
const kMaxDepth = 4;

function usableId(element) {
  const id = element.id;
  return typeof id === 'string' && id && id.length <= kMaxIdLength ? id : '';
}

function step(element) {
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
