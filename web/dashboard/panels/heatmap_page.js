// The page under the heatmap: the site origin the owner typed (kept in
// localStorage), and a real path for a page template (":param" segments get
// an editable sample, remembered per template).
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

// "/product/:id" -> "/product/1", "/category/:category" -> "/category/category",
// or what the owner typed last time for this template.
export function samplePath(site, template) {
  return readPaths()[`${site}|${template}`] || samplePathDefault(template || '/');
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
  if (!template || !path) return;
  const paths = readPaths();
  if (path === samplePathDefault(template)) delete paths[`${site}|${template}`];
  else paths[`${site}|${template}`] = path;
  try {
    localStorage.setItem(kPathsKey, JSON.stringify(paths));
  } catch {
    // Not remembered; harmless.
  }
}

const kParam = /:([A-Za-z_][A-Za-z0-9_]*)|\*+/g;

function sampleValue(param, name) {
  if (!name) return 'example';
  return /id$/i.test(name) ? '1' : name;
}

function samplePathDefault(template) {
  return String(template).replace(kParam, sampleValue);
}

// Says what the path field holds. Reports keep page templates only (never a
// visitor's real URL), so a template with ":param" segments has no real path
// to offer: the sample must be replaced by hand.
export function pathHint(template, path) {
  const params = [...String(template || '').matchAll(kParam)];
  if (!params.length) return 'This template is a fixed path.';
  if (path && path !== samplePathDefault(template)) return `A real path for ${template}; kept in this browser once shown.`;
  const samples = params.map((m) => `"${sampleValue(...m)}" (for ${m[0]})`);
  const list = samples.length > 1 ? `${samples.slice(0, -1).join(', ')} and ${samples[samples.length - 1]}` : samples[0];
  return `Reports keep page templates, never real URLs: replace ${list} with ${samples.length > 1 ? 'real values' : 'a real value'} from your site.`;
}
