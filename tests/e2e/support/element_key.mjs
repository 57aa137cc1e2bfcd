// The element key from its specification, independently of the code under
// test (the tracker's web/tracker/element_path.js, the core's
// core/element_heatmap.h): the top 24 bits of FNV-1a 32 over the element
// path's UTF-8 bytes, as 6 lowercase hex digits.
export function keyOf(path) {
  let hash = 2166136261;
  for (const byte of Buffer.from(path, 'utf8')) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return (hash >>> 8).toString(16).padStart(6, '0');
}
