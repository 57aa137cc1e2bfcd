// The page under the heatmap: the site origin the owner typed (kept in
// localStorage), and a real page of the selected page template. Reports hold
// templates only, never a visitor's URL, so for a template with ":param"
// segments the real page comes from the site owner: the config's `example`
// of the template (in the report), or one typed here (it must match the
// template and is remembered per template); a made-up stand-in such as
// "/product/1" would show a "not found" page under real clicks.
const kOriginKey = 'microconv_dashboard_origin';
const kPathsKey = 'microconv_dashboard_heatmap_paths';

export function initialOrigin() {
  const fromUrl = parseOrigin(new URLSearchParams(location.search).get('origin') || '');
  if (fromUrl) return fromUrl;
  try {
    return parseOrigin(localStorage.getItem(kOriginKey) || '') || '';
  } catch {
    return '';
  }
}

export function storeOrigin(origin) {
  try {
    if (origin) localStorage.setItem(kOriginKey, origin);
    else localStorage.removeItem(kOriginKey);
  } catch {
    // Storage denied: the URL field still works for this page.
  }
}

export function parseOrigin(text) {
  try {
    const url = new URL(String(text).trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : '';
  } catch {
    return '';
  }
}

// ORIGIN + PATH, refusing paths that would leave the origin ("//evil.example").
export function pageUrl(origin, path) {
  const text = String(path || '/').trim();
  if (!text.startsWith('/') || text.startsWith('//')) return '';
  try {
    const url = new URL(text, origin);
    return url.origin === origin ? `${url.origin}${url.pathname}${url.search}` : '';
  } catch {
    return '';
  }
}

// What the owner gave for this template last time, else the site config's
// example page of it (the report's `example`), else the template itself when
// it is a fixed path; '' when a real path is still needed.
// The config's real page of a template as the report names it (its heatmap
// rows: grid pages, or element groups when every click had an element), or ''.
export function templateExample(report, template) {
  const heat = report?.heatmap || {};
  const rows = [...(heat.pages || []), ...(Array.isArray(heat.elements) ? heat.elements : [])];
  return rows.find((row) => row.page === template && row.example)?.example || '';
}

export function samplePath(site, template, example) {
  const remembered = readPaths()[`${site}|${template}`];
  if (remembered && matchesTemplate(template, remembered)) return remembered;
  if (example && matchesTemplate(template, example)) return example;
  return hasParams(template) ? '' : String(template || '/');
}

function readPaths() {
  try {
    const value = JSON.parse(localStorage.getItem(kPathsKey) || '{}');
    return value && typeof value === 'object' ? value : {};
  } catch {
    return {};
  }
}

export function rememberPath(site, template, path) {
  if (!template || !path || !hasParams(template) || !matchesTemplate(template, path)) return;
  const paths = readPaths();
  paths[`${site}|${template}`] = path;
  try {
    localStorage.setItem(kPathsKey, JSON.stringify(paths));
  } catch {
    // Not remembered; harmless.
  }
}

const kParam = /^:[A-Za-z_][A-Za-z0-9_]*$/;

function segments(path) {
  return String(path || '')
    .split(/[?#]/)[0]
    .split('/')
    .filter(Boolean);
}

function hasParams(template) {
  return segments(template).some((s) => kParam.test(s) || s.includes('*'));
}

// Whether `path` is a page of `template`: literal segments equal, ":param"
// any one segment, a "*" segment the rest of the path (SPEC section 4).
export function matchesTemplate(template, path) {
  const want = segments(template);
  const have = segments(path);
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '*' || want[i] === '**') return have.length >= i;
    if (i >= have.length) return false;
    if (kParam.test(want[i])) continue;
    if (want[i].includes('*')) {
      const [head, tail] = want[i].split(/\*+/);
      if (!have[i].startsWith(head) || !have[i].endsWith(tail || '')) return false;
      continue;
    }
    if (want[i] !== have[i]) return false;
  }
  return have.length === want.length;
}

// "/product/:id" -> "/product/…": the placeholder of the path field.
export function pathPlaceholder(template) {
  return (
    '/' +
    segments(template)
      .map((s) => (kParam.test(s) || s.includes('*') ? '\u2026' : s))
      .join('/')
  );
}

// Says what the path field holds, or what it still needs.
export function pathHint(template, path) {
  if (!hasParams(template)) return 'This template is a fixed path.';
  if (!path) {
    return `Reports keep page templates, never real URLs: paste the path of one real ${template} page of your site (open one and copy its path), or name one as the template's "example" in the site config.`;
  }
  if (!matchesTemplate(template, path)) return `${path} is not a ${template} page.`;
  return `A real ${template} page; remembered in this browser.`;
}
