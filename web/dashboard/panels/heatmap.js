// Heatmap: clicks drawn as a translucent overlay on the live page in an
// iframe, plus scroll reach lines. Two layers: clicks keyed by element
// (report `heatmap.elements`: a 4 x 4 grid inside each element's box), drawn
// over the element wherever the live page lays it out, and the coarse
// document-relative grid (columns x rows cells) of the clicks with no element
// box. The page is on the site's origin: its tracker sees
// '#microconv-overlay', does not track, and answers our 'measure' message
// with its document size (the grid lines up with the document), then our
// 'boxes' message with the boxes of the elements whose keys we ask for
// (web/tracker/overlay.js).
// The frame loads on the first render when the site URL is known. Chromium
// does not paint a cross-origin frame outside the viewport, so a full-page
// screenshot taken without scrolling here shows the grid alone; on screen
// the page is there as soon as the panel scrolls into view.
import { clear, dataTable, el, emptyState, stat, suppressedBadge, tableDetails } from '../dom.js';
import { formatInt, formatPercent } from '../format.js';
import { drawCells, drawElements, drawReach } from './heatmap_overlay.js';
import {
  initialOrigin,
  matchesTemplate,
  pageUrl,
  parseOrigin,
  pathHint,
  pathPlaceholder,
  rememberPath,
  samplePath,
  storeOrigin,
  templateExample,
} from './heatmap_page.js';

const kFrameWidth = 1280; // CSS px the page is laid out at, then scaled to the panel
const kFallbackHeight = 1600; // when the page does not say how tall it is
// While measuring, a typical desktop viewport: a page shorter than the frame
// reports the frame's height, as it did for the visitors who clicked on it.
const kMeasuringHeight = 800;
const kMeasureTimeoutMs = 2000;
const kLoadTimeoutMs = 15000; // a page that never fires 'load' still gets the fallback
const kMeasureRetryMs = 250; // the tracker may still be loading when the frame fires 'load'
const kMaxHeight = 30000;
const kBoxesTimeoutMs = 2000; // an older tracker answers 'measure' but never 'boxes'
const kMaxBoxesPerKey = 100; // as web/tracker/overlay.js sends at most
const kElementKey = /^[0-9a-f]{6}$/;
// Device classes of core/dimensions.h as the report names them, in the
// report's class order after every device.
const kDeviceNames = {
  all: 'All devices',
  desktop: 'Desktop',
  mobile: 'Phone',
  tablet: 'Tablet',
  unknown: 'Unknown',
};

export function createHeatmapPanel(body) {
  const ui = buildSkeleton(body);
  const state = {
    view: null,
    page: '', // selected template
    device: 'all', // selected device class, or 'all'
    frameSrc: '', // what the iframe shows
    measured: null, // { width, height } from the page, or null
    status: 'none', // none | measuring | aligned | unaligned
    boxesAsked: '', // the element keys last asked for, joined by ','
    boxes: null, // { keys, found: { key: [[x, y, w, h], ...] } }, document px
    boxesStatus: 'none', // none | asking | answered | unanswered
  };
  let measureTimer = 0;
  let measureDeadline = 0;
  let boxesTimer = 0;

  ui.origin.value = initialOrigin();
  ui.pageSelect.addEventListener('change', () => {
    state.page = ui.pageSelect.value;
    ui.path.value = samplePath(state.view?.report.site, state.page, exampleOf(state.page));
    showPathHint();
    fillDevices();
    draw();
    if (ui.origin.value.trim()) load();
  });
  ui.deviceSelect.addEventListener('change', () => {
    state.device = ui.deviceSelect.value;
    draw();
  });

  // The report's heat entries of the selected template: 'all', then each
  // device class with clicks (k-anonymity holds per cell of each class).
  function entriesOf(page) {
    return (state.view?.report.heatmap?.pages || []).filter((p) => p.page === page);
  }
  // The template's scroll maps: one per device class with page-sessions.
  function scrollMapsOf(page) {
    return (state.view?.report.heatmap?.scroll_maps || []).filter((m) => m.page === page);
  }
  // Scroll reach of the template on a device class: every class's is the
  // page row's; null when the class has no page-sessions.
  function reachOf(page, device) {
    if (device === 'all') return (state.view?.report.pages || []).find((p) => p.page === page);
    return scrollMapsOf(page).find((m) => m.device === device) || null;
  }
  // The template's element clicks on a device class: its group of
  // `heatmap.elements` (absent from an older collector's report), or null.
  function groupOf(page, device) {
    const groups = state.view?.report.heatmap?.elements;
    if (!Array.isArray(groups)) return null;
    return groups.find((g) => g.page === page && (g.device || 'all') === device) || null;
  }
  function keysOf(group) {
    return (group?.rows || [])
      .map((row) => row.key)
      .filter((key) => typeof key === 'string' && kElementKey.test(key));
  }
  function exampleOf(page) {
    return templateExample(state.view?.report, page);
  }
  function fillDevices() {
    // A class with clicks or with a scroll map of the template.
    const devices = [
      ...entriesOf(state.page).map((p) => p.device),
      ...scrollMapsOf(state.page).map((m) => m.device),
      ...(state.view?.report.heatmap?.elements || [])
        .filter((g) => g.page === state.page)
        .map((g) => g.device),
    ];
    clear(
      ui.deviceSelect,
      Object.keys(kDeviceNames)
        .filter((d) => d === 'all' || devices.includes(d))
        .map((d) => el('option', { text: kDeviceNames[d], attrs: { value: d } })),
    );
    if (!devices.includes(state.device)) state.device = 'all';
    ui.deviceSelect.value = state.device;
    ui.deviceSelect.disabled = ui.deviceSelect.options.length <= 1;
  }
  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  ui.clear.addEventListener('click', () => {
    ui.origin.value = '';
    storeOrigin('');
    unload();
  });
  ui.path.addEventListener('input', showPathHint);
  ui.showClicks.addEventListener('change', draw);
  ui.showElements.addEventListener('change', draw);
  ui.showReach.addEventListener('change', draw);
  window.addEventListener('message', onMessage);
  new ResizeObserver(() => layout()).observe(ui.viewport);

  function load() {
    const origin = parseOrigin(ui.origin.value);
    if (!origin) {
      const typed = ui.origin.value.trim();
      unload();
      if (typed) setStatus('none', 'Enter the site URL as http(s)://host[:port].');
      return;
    }
    ui.origin.value = origin;
    storeOrigin(origin);
    if (!matchesTemplate(state.page, ui.path.value)) {
      // No stand-in page: clicks over the wrong page would mislead.
      unload(pathHint(state.page, ui.path.value.trim()));
      return;
    }
    const url = pageUrl(origin, ui.path.value);
    if (!url) {
      setStatus('none', 'The page path must start with "/" and stay on the site.');
      return;
    }
    rememberPath(state.view?.report.site, state.page, ui.path.value);
    const src = `${url}#microconv-overlay`;
    if (src === state.frameSrc && state.status !== 'none') return;
    state.frameSrc = src;
    state.measured = null;
    forgetBoxes();
    ui.frame.hidden = false;
    ui.frame.src = src;
    ui.loadingUrl.textContent = url;
    setStatus('measuring', 'Loading the page and asking it for its size\u2026');
    stopMeasuring();
    measureTimer = setTimeout(() => {
      setStatus(
        'unaligned',
        `The page has not finished loading after ${kLoadTimeoutMs / 1000} s (is the site URL right?). ` +
          `The clicks are drawn at ${kFrameWidth} \u00d7 ${kFallbackHeight} px and may not line up.`,
      );
      layout();
    }, kLoadTimeoutMs);
    layout();
  }

  function unload(why = 'Enter the site URL to see the clicks over the page itself.') {
    stopMeasuring();
    state.frameSrc = '';
    state.measured = null;
    forgetBoxes();
    ui.frame.removeAttribute('src');
    ui.frame.hidden = true;
    setStatus('none', `${why} The grid is drawn alone.`);
    layout();
  }

  ui.frame.addEventListener('load', () => {
    if (!state.frameSrc) return;
    stopMeasuring();
    measureDeadline = Date.now() + kMeasureTimeoutMs;
    askForSize();
  });

  function askForSize() {
    const origin = parseOrigin(state.frameSrc);
    try {
      ui.frame.contentWindow?.postMessage({ microconv: 'measure' }, origin);
    } catch {
      // A frame that navigated elsewhere cannot be asked; the deadline decides.
    }
    if (Date.now() >= measureDeadline) {
      if (!state.measured) {
        setStatus(
          'unaligned',
          `The page did not report its size within ${kMeasureTimeoutMs / 1000} s (is an up-to-date microconv script on it?). ` +
            `It is shown at ${kFrameWidth} \u00d7 ${kFallbackHeight} px and the overlay may not line up.`,
        );
        layout();
      }
      return;
    }
    measureTimer = setTimeout(askForSize, state.measured ? kMeasureRetryMs * 2 : kMeasureRetryMs);
  }

  function stopMeasuring() {
    clearTimeout(measureTimer);
    measureTimer = 0;
  }

  function forgetBoxes() {
    clearTimeout(boxesTimer);
    state.boxesAsked = '';
    state.boxes = null;
    state.boxesStatus = 'none';
  }

  // Asks the measured page once for the boxes of the shown group's elements
  // (again when the keys change or the page's size did).
  function askForBoxes() {
    const keys = keysOf(groupOf(state.page, state.device));
    const asked = keys.join(',');
    if (!state.frameSrc || !state.measured || !keys.length || state.boxesAsked === asked) return;
    state.boxesAsked = asked;
    state.boxesStatus = 'asking';
    try {
      ui.frame.contentWindow?.postMessage(
        { microconv: 'boxes', keys },
        parseOrigin(state.frameSrc),
      );
    } catch {
      // Navigated elsewhere: the timeout below says so.
    }
    clearTimeout(boxesTimer);
    boxesTimer = setTimeout(() => {
      if (state.boxesStatus !== 'asking') return;
      state.boxesStatus = 'unanswered';
      draw();
    }, kBoxesTimeoutMs);
  }

  // The page's answer, checked as untrusted: only keys asked for, at most
  // kMaxBoxesPerKey boxes of four finite numbers with a size.
  function onBoxes(boxes, names) {
    if (!state.boxesAsked) return;
    const wanted = new Set(state.boxesAsked.split(','));
    const found = Object.create(null); // a report row's key is looked up in it
    // Each found key's element path on the page shown, as text only.
    const named = Object.create(null);
    for (const [key, name] of Object.entries(names && typeof names === 'object' ? names : {})) {
      if (wanted.has(key) && typeof name === 'string') named[key] = name.slice(0, 200);
    }
    for (const [key, list] of Object.entries(boxes && typeof boxes === 'object' ? boxes : {})) {
      if (!wanted.has(key) || !Array.isArray(list)) continue;
      const valid = list
        .slice(0, kMaxBoxesPerKey)
        .filter(
          (box) =>
            Array.isArray(box) &&
            box.length === 4 &&
            box.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
            box[2] > 0 &&
            box[3] > 0,
        );
      if (valid.length) found[key] = valid;
    }
    clearTimeout(boxesTimer);
    state.boxes = { keys: state.boxesAsked, found, named };
    state.boxesStatus = 'answered';
    draw();
  }

  function onMessage(event) {
    if (!state.frameSrc || event.source !== ui.frame.contentWindow) return;
    if (event.origin !== parseOrigin(state.frameSrc)) return;
    const data = event.data;
    if (data && data.microconv === 'boxes') {
      onBoxes(data.boxes, data.names);
      return;
    }
    if (!data || data.microconv !== 'measure') return;
    const width = Number(data.width);
    const height = Number(data.height);
    if (!Number.isFinite(width) || !Number.isFinite(height) || width < 100 || height < 100) return;
    const size = { width: Math.min(width, 4 * kFrameWidth), height: Math.min(height, kMaxHeight) };
    const changed =
      !state.measured ||
      Math.abs(state.measured.height - size.height) > 2 ||
      Math.abs(state.measured.width - size.width) > 2;
    state.measured = size;
    setStatus(
      'aligned',
      `Aligned to the page's document (${formatInt(Math.round(size.width))} \u00d7 ${formatInt(Math.round(size.height))} px at ${kFrameWidth} px wide).`,
    );
    // Answers keep coming until the deadline: a page that grows after load
    // (images, fonts) is followed; a stable one stops the questions. Its
    // elements may have moved with it: their boxes are asked for again.
    if (changed) {
      state.boxesAsked = '';
      layout();
    } else stopMeasuring();
  }

  // While the page loads, the stage says so instead of drawing clicks at a
  // height that is about to change.
  function setStatus(status, message) {
    state.status = status;
    ui.status.textContent = message;
    ui.status.className = `heatmap-status status-${status}`;
    ui.loading.hidden = status !== 'measuring';
  }

  function showPathHint() {
    ui.pathHint.textContent = pathHint(state.page, ui.path.value.trim());
    ui.path.placeholder = pathPlaceholder(state.page);
  }

  // Sizes the frame, overlay and reach lines to the panel width.
  function layout() {
    const available = ui.viewport.clientWidth;
    if (!available) return;
    const scale = available / kFrameWidth;
    const withPage = Boolean(state.frameSrc);
    const docWidth = withPage && state.measured ? state.measured.width : kFrameWidth;
    const unmeasured = state.status === 'measuring' ? kMeasuringHeight : kFallbackHeight;
    const docHeight = withPage
      ? state.measured
        ? state.measured.height
        : unmeasured
      : kFrameWidth * 1.25;
    ui.frame.style.width = `${kFrameWidth}px`;
    ui.frame.style.height = `${docHeight}px`;
    ui.frame.style.transform = `scale(${scale})`;
    ui.stage.style.width = `${available}px`;
    ui.stage.style.height = `${docHeight * scale}px`;
    state.scale = scale;
    state.box = { width: Math.min(docWidth, kFrameWidth) * scale, height: docHeight * scale };
    draw();
  }

  function draw() {
    const view = state.view;
    if (!view || !state.box) return;
    const { report } = view;
    const heat = report.heatmap || { columns: 16, rows: 32, pages: [] };
    const page = (heat.pages || []).find(
      (p) => p.page === state.page && (p.device || 'all') === state.device,
    );
    const pageRow = reachOf(state.page, state.device);
    const loading = state.status === 'measuring';
    askForBoxes();
    const group = groupOf(state.page, state.device);
    const found = group && state.boxes?.keys === keysOf(group).join(',') ? state.boxes.found : null;
    const gridCells =
      page && !page.suppressed && ui.showClicks.checked && !loading ? page.cells : null;
    const placed = ui.showElements.checked && !loading ? placeElements(group, found) : [];
    // One colour scale for both layers: clicks per cell.
    // (A loop: up to 50 keys x 100 boxes x 16 cells is too many arguments to spread.)
    let max = 0;
    for (const count of gridCells || []) max = Math.max(max, count);
    for (const box of placed) for (const count of box.row.cells || []) max = Math.max(max, count);
    drawCells(ui.canvas, state.box, heat, gridCells, max);
    drawElements(ui.canvas, placed, heat.element_columns || 4, heat.element_rows || 4, max);
    state.placed = placed;
    // For tests and tools: what the canvas shows of the element layer.
    ui.canvas.dataset.elementBoxes = String(placed.length);
    ui.canvas.dataset.elementKeysFound = String(found ? Object.keys(found).length : 0);
    // none: no element clicks here; unplaced: not asked (no page aligned).
    ui.main.dataset.elements = !group
      ? 'none'
      : state.boxesStatus === 'none'
        ? 'unplaced'
        : state.boxesStatus;
    drawReach(
      ui.reach,
      state.box,
      pageRow && !pageRow.suppressed && ui.showReach.checked && !loading
        ? pageRow.scroll_reach
        : null,
    );
    clear(ui.stats);
    if (page?.suppressed)
      clear(
        ui.stats,
        el(
          'span',
          { className: 'note' },
          suppressedBadge(view.k),
          ' Fewer than ',
          String(view.k),
          ' sessions on this page: hidden for privacy.',
        ),
      );
    else if (page || pageRow || group)
      clear(
        ui.stats,
        page
          ? stat(
              state.device === 'all' ? 'Sessions' : 'Sessions (every device)',
              formatInt(page.sessions),
            )
          : null,
        stat(group ? 'Clicks with no element' : 'Clicks', formatInt(page?.clicks ?? 0)),
        group ? stat('Element clicks', formatInt(group.clicks)) : null,
        pageRow && !pageRow.suppressed
          ? stat(
              'Scrolled past half',
              pageRow.scroll_reach?.[5] === null
                ? 'hidden'
                : formatPercent(pageRow.scroll_reach?.[5] ?? 0, 0),
            )
          : null,
        page?.hidden_cells > 0
          ? el(
              'span',
              { className: 'note' },
              suppressedBadge(view.k),
              ` ${formatInt(page.hidden_cells)} cells clicked by fewer than ${view.k} sessions are left blank.`,
            )
          : null,
      );
    ui.hover.hidden = true;
    state.cells =
      page && !page.suppressed
        ? { cells: page.cells, columns: heat.columns, rows: heat.rows, clicks: page.clicks }
        : null;
    clear(ui.elements, ...elementSection(view, group, found));
    clear(ui.reachTable, scrollMapTable(view));
  }

  // The group's rows placed on the canvas: one box per live element with
  // the row's key (a key on N elements is drawn on each), in canvas px.
  function placeElements(group, found) {
    if (!group || !found) return [];
    const scale = state.scale || 1;
    return (group.rows || []).flatMap((row) =>
      (found[row.key] || []).map(([x, y, width, height]) => ({
        x: x * scale,
        y: y * scale,
        width: width * scale,
        height: height * scale,
        row,
        shared: found[row.key].length,
      })),
    );
  }

  // What the element layer shows, in words: the legend, the elements under
  // k ("other"), the keys shared by several live elements and those the
  // live page no longer has.
  function elementSection(view, group, found) {
    if (!group) return [];
    const k = view.k;
    const rows = group.rows || [];
    const heat = view.report.heatmap || {};
    const grid = `${heat.columns || 16} \u00d7 ${heat.rows || 32}`;
    const parts = `${heat.element_columns || 4} \u00d7 ${heat.element_rows || 4}`;
    const legend = el(
      'p',
      { className: 'note heatmap-legend' },
      el('span', { className: 'legend-swatch legend-element', attrs: { 'aria-hidden': 'true' } }),
      ` Outlined boxes: clicked elements, found again on the page shown, each split into ${parts} parts by where in the element visitors clicked, so they line up at any screen size. `,
      el('span', { className: 'legend-swatch legend-grid', attrs: { 'aria-hidden': 'true' } }),
      ` Fine grid: clicks with no element box, placed in ${grid} cells of the whole page. One colour scale for both, clicks per cell; parts clicked by fewer than ${k} sessions are left blank.`,
    );
    const other = group.other
      ? el(
          'p',
          { className: 'note heatmap-other' },
          group.other.suppressed
            ? [
                suppressedBadge(k),
                ` Other elements: clicked by fewer than ${k} sessions together, hidden for privacy.`,
              ]
            : `Other elements: ${formatInt(group.other.elements)} elements past the top rows or clicked in fewer than ${k} sessions each, with ${formatInt(group.other.clicks)} clicks together (not drawn).`,
        )
      : null;
    const status = !state.frameSrc
      ? 'Show the page to place the clicked elements on it; until then they are listed below.'
      : state.status === 'measuring'
        ? 'Loading the page\u2026'
        : state.status !== 'aligned'
          ? 'The page did not report its size, so the clicked elements cannot be placed on it; they are listed below.'
          : state.boxesStatus === 'asking'
            ? 'Finding the clicked elements on the page\u2026'
            : state.boxesStatus === 'unanswered'
              ? 'The page did not say where its elements are (is an up-to-date microconv script on it?): only the grid is drawn.'
              : `${formatInt(rows.filter((row) => found?.[row.key]).length)} of ${formatInt(rows.length)} clicked elements found on the page shown.`;
    const columns = [
      {
        key: 'key',
        label: 'Element key',
        help: 'A hash of the element\u2019s tag and id path (never its text)',
        format: (v) => el('span', { className: 'mono', text: v }),
      },
      { key: 'clicks', label: 'Clicks', numeric: true, format: formatInt },
      { key: 'sessions', label: 'Sessions', numeric: true, format: formatInt },
    ];
    const onPage = found ? rows.filter((row) => found[row.key]) : rows;
    const missing = found ? rows.filter((row) => !found[row.key]) : [];
    const tables = [
      onPage.length
        ? el(
            'div',
            { className: 'heatmap-found' },
            el('h3', {
              className: 'subhead',
              text: found ? 'Clicked elements on this page' : 'Clicked elements',
            }),
            dataTable({
              id: 'element-table',
              caption: `Clicked elements on ${state.page}`,
              columns: [
                ...columns,
                {
                  key: 'hidden_cells',
                  label: `Parts under ${k}`,
                  help: `Parts of the element clicked by fewer than ${k} sessions, left blank`,
                  numeric: true,
                  format: formatInt,
                },
                ...(found
                  ? [
                      {
                        key: 'element',
                        label: 'Element on the page shown',
                        help: 'Its tag and id path on the page shown (read from your page, not sent by visitors)',
                        value: (row) => state.boxes?.named?.[row.key] || '',
                        format: (v) => el('span', { className: 'mono', text: v }),
                      },
                      {
                        key: 'live',
                        label: 'Matches on the page',
                        value: (row) => found[row.key].length,
                        format: (n) => (n > 1 ? `shared by ${formatInt(n)} elements` : '1 element'),
                      },
                    ]
                  : []),
              ],
              rows: onPage,
              k,
            }),
          )
        : null,
      missing.length
        ? el(
            'div',
            { className: 'heatmap-missing' },
            el('h3', { className: 'subhead', text: 'Clicked elements not on this page now' }),
            dataTable({
              id: 'element-missing-table',
              caption: 'Clicked elements not on this page now',
              columns,
              rows: missing,
              k,
            }),
          )
        : null,
    ];
    return [
      legend,
      el('p', { className: 'note heatmap-elements-status', text: status }),
      other,
      ...tables,
    ];
  }

  // The scroll map of the template: per depth band, the share of each
  // device class's page-sessions that scrolled at least that far (a class
  // under k shows the badge), every device first.
  function scrollMapTable(view) {
    const classes = Object.keys(kDeviceNames)
      .map((device) => ({ device, reach: reachOf(state.page, device) }))
      .filter(({ reach }) => reach && (reach.suppressed || reach.scroll_reach));
    if (!classes.length) return null;
    const bands = classes.find(({ reach }) => reach.scroll_reach)?.reach.scroll_reach.length || 0;
    const rows = Array.from({ length: bands }, (_, i) => {
      const row = { depth: `${i * 10} %` };
      for (const { device, reach } of classes)
        row[device] = reach.suppressed ? null : reach.scroll_reach[i];
      return row;
    });
    return tableDetails(
      'Scroll map by device class',
      dataTable({
        id: 'scroll-map-table',
        caption: `Scroll reach on ${state.page} per device class`,
        columns: [
          { key: 'depth', label: 'Scrolled to at least' },
          ...classes.map(({ device, reach }) => ({
            key: device,
            label: `${kDeviceNames[device]}${reach.suppressed ? '' : ` (${formatInt(reach.sessions)})`}`,
            help: `Share of the page views of ${kDeviceNames[device].toLowerCase()} (how many in brackets)`,
            numeric: true,
            format: (v) => formatPercent(v, 0),
          })),
        ],
        rows,
        k: view.k,
      }),
    );
  }

  // The smallest element box under (x, y) canvas px, and the part of it.
  function elementAt(x, y) {
    const hits = (state.placed || []).filter(
      (box) => x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height,
    );
    if (!hits.length) return null;
    const box = hits.reduce((a, b) => (b.width * b.height < a.width * a.height ? b : a));
    const column = Math.min(3, Math.floor(((x - box.x) / box.width) * 4));
    const row = Math.min(3, Math.floor(((y - box.y) / box.height) * 4));
    return { box, count: box.row.cells?.[row * 4 + column] ?? 0 };
  }

  ui.canvas.addEventListener('mousemove', (event) => {
    const rect = ui.canvas.getBoundingClientRect();
    const hit = elementAt(event.clientX - rect.left, event.clientY - rect.top);
    if (hit) {
      const { box, count } = hit;
      ui.hover.hidden = false;
      ui.hover.textContent = `Element ${box.row.key}: ${formatInt(count)} clicks on this part, ${formatInt(box.row.clicks)} on the element${box.shared > 1 ? ` (shared by ${formatInt(box.shared)} elements)` : ''}`;
      ui.hover.style.left = `${event.clientX - ui.stage.getBoundingClientRect().left + 12}px`;
      ui.hover.style.top = `${event.clientY - ui.stage.getBoundingClientRect().top + 12}px`;
      return;
    }
    const cells = state.cells;
    if (!cells || !state.box) return;
    const column = Math.floor(((event.clientX - rect.left) / rect.width) * cells.columns);
    const row = Math.floor(((event.clientY - rect.top) / rect.height) * cells.rows);
    const count = cells.cells[row * cells.columns + column];
    if (count === undefined) return;
    ui.hover.hidden = false;
    ui.hover.textContent = `${formatInt(count)} clicks (${formatPercent(cells.clicks ? count / cells.clicks : 0, 0)}) \u00b7 ${Math.round((row / cells.rows) * 100)}\u2013${Math.round(((row + 1) / cells.rows) * 100)} % down`;
    ui.hover.style.left = `${event.clientX - ui.stage.getBoundingClientRect().left + 12}px`;
    ui.hover.style.top = `${event.clientY - ui.stage.getBoundingClientRect().top + 12}px`;
  });
  ui.canvas.addEventListener('mouseleave', () => {
    ui.hover.hidden = true;
  });

  return {
    update(view) {
      state.view = view;
      const heat = view.report.heatmap || { pages: [], selectors: [] };
      const entries = heat.pages || [];
      // One entry per template for the picker: its every-device one, and
      // templates whose clicks all had an element.
      const pages = entries.filter((p) => (p.device || 'all') === 'all');
      for (const group of Array.isArray(heat.elements) ? heat.elements : []) {
        if (!pages.some((p) => p.page === group.page)) pages.push({ page: group.page });
      }
      clear(
        ui.pageSelect,
        pages.map((p) =>
          el('option', {
            text: p.suppressed ? `${p.page} (< ${view.k})` : p.page,
            attrs: { value: p.page },
          }),
        ),
      );
      ui.pageSelect.disabled = !pages.length;
      const previous = state.page;
      if (!pages.some((p) => p.page === state.page)) state.page = pages[0]?.page || '';
      ui.pageSelect.value = state.page;
      if (state.page !== previous || !ui.path.value)
        ui.path.value = samplePath(view.report.site, state.page, exampleOf(state.page));
      showPathHint();
      fillDevices();
      ui.empty.hidden = pages.length > 0;
      ui.main.hidden = pages.length === 0;
      renderSelectors(ui.selectors, view);
      view.exportTable({
        title: 'Heatmap pages',
        columns: [
          { key: 'page', label: 'Page' },
          { key: 'device', label: 'Device class' },
          { key: 'sessions', label: 'Sessions (every device)', numeric: true },
          { key: 'clicks', label: 'Clicks', numeric: true },
          {
            key: 'cells',
            label: `Cells (${heat.columns || 16} x ${heat.rows || 32}, row-major)`,
            numeric: true,
            value: (p) => (p.cells || []).join(' '),
          },
        ],
        rows: entries,
      });
      if (Array.isArray(heat.elements))
        view.exportTable({
          title: 'Heatmap elements',
          columns: [
            { key: 'page', label: 'Page' },
            { key: 'device', label: 'Device class' },
            { key: 'key', label: 'Element key' },
            { key: 'sessions', label: 'Sessions', numeric: true },
            { key: 'clicks', label: 'Clicks', numeric: true },
            { key: 'hidden_cells', label: 'Cells under k', numeric: true },
            {
              key: 'cells',
              label: `Cells (${heat.element_columns || 4} x ${heat.element_rows || 4}, row-major)`,
              numeric: true,
              value: (row) => (row.cells || []).join(' '),
            },
          ],
          rows: heat.elements.flatMap((group) => [
            ...(group.rows || []).map((row) => ({
              page: group.page,
              device: group.device,
              ...row,
            })),
            ...(group.other
              ? [{ page: group.page, device: group.device, key: '(other)', ...group.other }]
              : []),
          ]),
        });
      if (!state.frameSrc && ui.origin.value.trim() && pages.length) load();
      else if (!state.frameSrc) unload();
      else if (state.page !== previous) load();
      layout();
    },
  };
}

function buildSkeleton(body) {
  const ui = {};
  ui.pageSelect = el('select', { attrs: { id: 'heatmap-page' } });
  ui.deviceSelect = el('select', { attrs: { id: 'heatmap-device' } });
  ui.origin = el('input', {
    attrs: {
      id: 'heatmap-origin',
      type: 'url',
      placeholder: 'https://shop.example',
      autocomplete: 'url',
      spellcheck: 'false',
    },
  });
  ui.path = el('input', {
    attrs: { id: 'heatmap-path', type: 'text', placeholder: '/product/1', spellcheck: 'false' },
  });
  ui.pathHint = el('span', { className: 'hint' });
  ui.showClicks = el('input', {
    attrs: { id: 'heatmap-show-clicks', type: 'checkbox', checked: true },
  });
  ui.showReach = el('input', {
    attrs: { id: 'heatmap-show-reach', type: 'checkbox', checked: true },
  });
  ui.showElements = el('input', {
    attrs: { id: 'heatmap-show-elements', type: 'checkbox', checked: true },
  });
  ui.clear = el('button', {
    className: 'btn btn-ghost',
    text: 'Clear URL',
    attrs: { type: 'button' },
  });
  ui.form = el(
    'form',
    { className: 'heatmap-controls', attrs: { 'aria-label': 'Heatmap page' } },
    field('heatmap-page', 'Page template', ui.pageSelect),
    field(
      'heatmap-device',
      'Device class',
      ui.deviceSelect,
      'Clicks of phones, tablets or desktops alone; cells under k of a class stay blank.',
    ),
    field('heatmap-origin', 'Site URL', ui.origin, 'The origin your pages are served from.'),
    field('heatmap-path', 'Page path', ui.path, ui.pathHint),
    el(
      'div',
      { className: 'control-row' },
      el('button', { className: 'btn btn-primary', text: 'Show page', attrs: { type: 'submit' } }),
      ui.clear,
    ),
    el(
      'div',
      { className: 'toggles' },
      el('label', { className: 'check' }, ui.showElements, ' Element clicks'),
      el('label', { className: 'check' }, ui.showClicks, ' Grid clicks'),
      el('label', { className: 'check' }, ui.showReach, ' Scroll reach'),
    ),
  );
  ui.stats = el('div', { className: 'funnel-summary heatmap-stats' });
  ui.status = el('p', {
    className: 'heatmap-status',
    attrs: { role: 'status', 'aria-live': 'polite' },
  });
  ui.frame = el('iframe', {
    className: 'heatmap-frame',
    hidden: true,
    attrs: {
      title: 'The site page under the heatmap',
      // Not sandboxed: the page must run its scripts on its own origin to lay
      // out as visitors see it and for its tracker to answer. It gets no
      // pointer events (so no user activation to navigate this tab) and no
      // referrer.
      referrerpolicy: 'no-referrer',
      scrolling: 'no',
      tabindex: '-1',
      loading: 'eager',
    },
  });
  ui.canvas = el('canvas', { className: 'heatmap-canvas', attrs: { 'aria-hidden': 'true' } });
  ui.reach = el('div', { className: 'heatmap-reach', attrs: { 'aria-hidden': 'true' } });
  ui.hover = el('div', { className: 'heatmap-hover', hidden: true });
  ui.loadingUrl = el('span', { className: 'heatmap-loading-url' });
  ui.loading = el(
    'div',
    { className: 'heatmap-loading', hidden: true },
    el('span', { className: 'spinner', attrs: { 'aria-hidden': 'true' } }),
    el('span', { text: 'Loading the page\u2026' }),
    ui.loadingUrl,
  );
  ui.stage = el(
    'div',
    { className: 'heatmap-stage' },
    ui.frame,
    ui.canvas,
    ui.reach,
    ui.hover,
    ui.loading,
  );
  ui.viewport = el(
    'div',
    {
      className: 'heatmap-viewport',
      attrs: {
        role: 'img',
        'aria-label': 'Click heatmap over the page; the scroll reach table is below.',
      },
    },
    ui.stage,
  );
  ui.elements = el('div', { className: 'heatmap-elements' });
  ui.reachTable = el('div');
  ui.selectors = el('div', { className: 'heatmap-selectors' });
  ui.empty = emptyState(
    'No clicks recorded yet',
    'The heatmap fills in as visitors click on your pages.',
  );
  ui.main = el(
    'div',
    { className: 'heatmap' },
    el('div', { className: 'heatmap-side' }, ui.form, ui.selectors),
    el(
      'div',
      { className: 'heatmap-main' },
      ui.stats,
      ui.status,
      ui.viewport,
      ui.elements,
      ui.reachTable,
    ),
  );
  clear(body, ui.empty, ui.main);
  return ui;
}

// `hint`: text, or a hint element the panel rewrites.
function field(id, label, control, hint) {
  if (!hint)
    return el(
      'div',
      { className: 'field' },
      el('label', { text: label, attrs: { for: id } }),
      control,
    );
  const hintNode = typeof hint === 'string' ? el('span', { className: 'hint', text: hint }) : hint;
  hintNode.id = `${id}-hint`;
  control.setAttribute('aria-describedby', hintNode.id);
  return el(
    'div',
    { className: 'field' },
    el('label', { text: label, attrs: { for: id } }),
    control,
    hintNode,
  );
}

function renderSelectors(container, view) {
  const selectors = view.report.heatmap?.selectors || [];
  const columns = [
    {
      key: 'selector',
      label: 'Selector',
      format: (v) => el('span', { className: 'mono', text: v }),
    },
    { key: 'clicks', label: 'Clicks', numeric: true, format: formatInt },
    { key: 'sessions', label: 'Sessions', numeric: true, format: formatInt },
  ];
  view.exportTable({ title: 'Selector clicks', columns, rows: selectors });
  clear(
    container,
    el('h3', { className: 'subhead', text: 'Clicks per configured selector' }),
    selectors.length
      ? dataTable({
          id: 'selector-table',
          caption: 'Clicks per configured selector',
          columns,
          rows: selectors,
          k: view.k,
        })
      : el('p', { className: 'note', text: 'No configured selectors were clicked.' }),
  );
}
