// The playground: the visitor's own analysis, live. Everything shown comes
// from the tracker's public calls on this page:
//   microconv('inspect', {bytes: true}) -> {summary, hex, ldpTruth?} | null
//   microconv('inspect')                -> summary | null (older trackers)
//   microconv('flush')                  -> {sent, seq}
// and is written with textContent (page paths and names in a summary are
// data, never markup).
import { h } from './dom.js';

// Labels and funnel steps of demo-site/sites/demo.json, which the summary
// refers to by id. Keep in step with that file.
const kMicroLabels = {
  sign_in: 'Signed in',
  department: 'Opened Electronics',
  category: 'Viewed Headphones',
  product_view: 'Viewed a product',
  add_to_cart: 'Added to cart',
  begin_checkout: 'Proceeded to checkout',
  shipping: 'Entered shipping address',
  payment: 'Chose payment',
  purchase: 'Placed order',
  newsletter: 'Newsletter sign-up',
  newsletter_start: 'Started newsletter form',
  share: 'Shared a post',
  comment: 'Commented',
  video: 'Watched the video',
  account: 'Created an account',
  blog_read: 'Read a post to the end',
  reviews_seen: 'Saw the reviews',
  engaged: 'Stayed 30 s on a product',
  wishlist: 'Added to wishlist',
};
const kMacros = new Set(['purchase']);
const kFunnels = [
  {
    id: 'purchase',
    label: 'Purchase',
    steps: [
      ['Sign in', true],
      ['Electronics'],
      ['Headphones'],
      ['Product'],
      ['Add to cart'],
      ['Checkout'],
      ['Shipping'],
      ['Payment'],
      ['Place order'],
    ],
  },
  {
    id: 'newsletter',
    label: 'Newsletter',
    steps: [['Read a post'], ['Started the form', true], ['Signed up']],
  },
];
const kThisPage = '/playground';
// The document grid (core/heatmap.h) and the parts of an element's box
// (kElementGridSide, core/event.h) as the summary's cells count them.
const kGridColumns = 16;
const kGridRows = 32;
const kElementGridSide = 4;
const kRefreshMs = 1000;
const kLoadTimeoutMs = 8000;

const $ = (id) => document.getElementById(id);
const micro = (id) => kMicroLabels[id] || String(id);

function seconds(value) {
  if (!(value >= 0)) return '–';
  if (value < 60) return value.toFixed(1) + ' s';
  const minutes = Math.floor(value / 60);
  return `${minutes} min ${String(Math.round(value % 60)).padStart(2, '0')} s`;
}

// Replaces a panel's content only when what it shows changed, so a
// refresh every second does not flicker or reset scroll positions.
const shown = new Map();
function show(id, key, build) {
  const text = JSON.stringify(key);
  if (shown.get(id) === text) return;
  shown.set(id, text);
  $(id).replaceChildren(...[build()].flat().filter(Boolean));
}

const empty = (text) => h('p', { class: 'pg-empty' }, text);

function table(headers, rows) {
  return h(
    'table',
    { class: 'pg-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map(([text, num]) => h('th', { class: num ? 'num' : null, scope: 'col' }, text)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((cells) =>
        h(
          'tr',
          {},
          cells.map((cell, i) => h('td', { class: headers[i][1] ? 'num' : null }, cell)),
        ),
      ),
    ),
  );
}

// ---------- Panels ----------

function renderFacts(summary, bytes) {
  const micros = summary.path.length + summary.repeats.reduce((sum, r) => sum + r.count, 0);
  const facts = [
    ['Visit length', seconds(summary.duration_s)],
    ['Active time', seconds(summary.active_s)],
    ['Page views', String(summary.page_views)],
    ['Micro-conversions', String(micros)],
    ['Summary size', bytes ? bytes + ' bytes' : '–'],
  ];
  show('pg-facts', facts, () =>
    facts.map(([name, value]) =>
      h('div', { class: 'pg-fact card' }, h('dt', {}, name), h('dd', {}, value)),
    ),
  );
}

function renderPath(summary) {
  show('pg-path', [summary.path, summary.repeats, summary.flags.path_truncated], () => {
    if (!summary.path.length)
      return empty('No micro-conversion yet. Open a product or a blog post to start your path.');
    const list = h(
      'ol',
      { class: 'timeline' },
      summary.path.map((step) =>
        h(
          'li',
          { 'data-macro': kMacros.has(step.micro) ? '' : null },
          h('span', {}, micro(step.micro), ' ', h('code', {}, step.micro)),
          h('time', {}, '+' + seconds(step.at_s)),
        ),
      ),
    );
    const notes = [];
    if (summary.repeats.length) {
      notes.push(
        h(
          'p',
          { class: 'pg-explain', style: 'margin:12px 0 0' },
          'Also repeated: ' +
            summary.repeats.map((r) => `${micro(r.micro)} ×${r.count}`).join(', ') +
            '.',
        ),
      );
    }
    if (summary.flags.path_truncated)
      notes.push(
        h(
          'p',
          { class: 'pg-explain' },
          'The path reached its cap; later steps are counted, not listed.',
        ),
      );
    return [list, ...notes];
  });
}

function renderFunnels(summary) {
  show('pg-funnels', summary.funnels, () =>
    kFunnels.map((funnel) => {
      const progress = summary.funnels.find((f) => f.funnel === funnel.id);
      const reached = new Set(progress ? progress.reached : []);
      let verdict = 'Not started';
      let state = '';
      if (progress && progress.converted) {
        verdict = '✓ Converted';
        state = 'converted';
      } else if (progress) {
        const dropAt = funnel.steps[progress.furthest];
        verdict =
          `${reached.size} of ${funnel.steps.length} steps` +
          (dropAt ? ` · would drop at “${dropAt[0]}”` : '');
        state = 'dropped';
      }
      // step_times_s: seconds from the first reached step to each later
      // reached step, in step order.
      const times = progress ? [...progress.step_times_s] : [];
      let firstReached = true;
      const steps = funnel.steps.map(([label, optional], i) => {
        const isReached = reached.has(label);
        let time = null;
        if (isReached && firstReached) firstReached = false;
        else if (isReached && times.length) time = times.shift();
        const stepState = isReached
          ? 'reached'
          : progress && !progress.converted && i === progress.furthest
            ? 'drop'
            : null;
        return h(
          'li',
          { 'data-state': stepState },
          label,
          optional ? h('small', {}, ' (optional)') : null,
          time !== null ? h('small', {}, ' +' + seconds(time)) : null,
        );
      });
      const next =
        progress && progress.next.length
          ? h(
              'p',
              { class: 'pg-explain', style: 'margin:8px 0 0' },
              'Since the last step: ' +
                progress.next.map((n) => (n.micro ? micro(n.micro) : n.page)).join(' → '),
            )
          : null;
      return h(
        'div',
        { class: 'funnel' },
        h(
          'div',
          { class: 'funnel-head' },
          h('h3', {}, funnel.label),
          h('span', { class: 'funnel-verdict', 'data-state': state || null }, verdict),
        ),
        h('ol', { class: 'funnel-steps', 'aria-label': funnel.label + ' funnel steps' }, steps),
        next,
      );
    }),
  );
}

function renderPages(summary) {
  show(
    'pg-pages',
    [summary.pages, summary.entry_page, summary.exit_page, summary.flags.bounce],
    () => {
      if (!summary.pages.length) return empty('No page yet.');
      return [
        table(
          [['Page template'], ['Views', true], ['Active', true], ['Scrolled', true]],
          summary.pages.map((p) => [
            h('code', {}, p.page),
            String(p.views),
            seconds(p.active_s),
            p.max_scroll + ' %',
          ]),
        ),
        h(
          'p',
          { class: 'pg-explain', style: 'margin:12px 0 0' },
          `Entered on ${summary.entry_page}, now on ${summary.exit_page}.` +
            (summary.flags.bounce ? ' So far a bounce (one page, no interaction).' : ''),
        ),
      ];
    },
  );
}

function renderFrustration(summary) {
  const key = [
    summary.rage_clicks,
    summary.dead_clicks,
    summary.quick_backs,
    summary.elements,
    summary.pages.map((p) => p.quick_backs),
    summary.cta_seen,
    summary.path.length,
  ];
  show('pg-frustration', key, () => {
    const totals = h(
      'dl',
      { class: 'pg-facts', style: 'margin:0 0 16px' },
      [
        ['Rage clicks', summary.rage_clicks],
        ['Dead clicks', summary.dead_clicks],
        ['Quick backs', summary.quick_backs],
      ].map(([name, value]) =>
        h('div', { class: 'pg-fact card' }, h('dt', {}, name), h('dd', {}, String(value))),
      ),
    );
    const backs = summary.pages.filter((p) => p.quick_backs > 0);
    // Calls to action seen for 1 s (only their ids are sent); clicked when
    // the path holds them.
    const seen = summary.cta_seen || [];
    const clicked = (id) => summary.path.some((step) => step.micro === id);
    return [
      totals,
      summary.elements.length
        ? table(
            [['Element'], ['Page'], ['Clicks', true], ['Rage', true], ['Dead', true]],
            summary.elements.map((e) => [
              h('code', {}, e.element),
              h('code', {}, e.page),
              String(e.clicks),
              String(e.rage_clicks),
              String(e.dead_clicks),
            ]),
          )
        : empty('No frustrated clicks so far. Try clicking a product photo several times quickly.'),
      backs.length
        ? h(
            'p',
            { class: 'pg-explain', style: 'margin:12px 0 0' },
            'Quick backs from: ' + backs.map((p) => `${p.page} ×${p.quick_backs}`).join(', '),
          )
        : null,
      h(
        'p',
        { class: 'pg-explain', id: 'pg-cta-seen', style: 'margin:12px 0 0' },
        seen.length
          ? 'Calls to action you saw for at least 1 s: ' +
              seen
                .map((id) => `${micro(id)} (${clicked(id) ? 'clicked' : 'not clicked'})`)
                .join(', ')
          : 'No call to action seen for 1 s yet (the product page\u2019s \u201cAdd to cart\u201d is one).',
      ),
    ];
  });
}

function renderForms(summary) {
  show('pg-forms', summary.forms, () => {
    if (!summary.forms.length)
      return empty(
        'No configured form touched yet: sign in, subscribe to the newsletter or check out.',
      );
    return summary.forms.map((form) =>
      h(
        'div',
        { style: 'margin-bottom:14px' },
        h(
          'p',
          { style: 'margin:0 0 6px' },
          h('strong', {}, form.form),
          ' · ' +
            (form.submitted
              ? 'submitted'
              : form.started
                ? 'started, not submitted'
                : 'not started') +
            (form.last_field ? ` · last field: ${form.last_field}` : ''),
        ),
        table(
          [['Field'], ['Focused', true], ['Refilled', true], ['Time', true]],
          form.fields.map((f) => [
            h('code', {}, f.field),
            String(f.focus_count),
            String(f.refills),
            seconds(f.time_s),
          ]),
        ),
      ),
    );
  });
}

// The decoded timeline (core/summary_json.cc RenderReplay): one row per
// entry, what it refers to named as the summary names it.
function replayWhat(e) {
  switch (e.kind) {
    case 'page':
      return String(e.page);
    case 'conversion':
      return micro(e.micro);
    case 'click':
      return `${e.element ?? 'no stable element'} (row ${e.row + 1}, column ${e.column + 1})`;
    case 'scroll':
      return `${e.depth} % deep`;
    case 'field_focus':
    case 'field_leave':
      return String(e.field);
    case 'rage_click':
    case 'dead_click':
      return String(e.element ?? 'no stable element');
    default:
      return 'the timeline is full: nothing after this is recorded';
  }
}

function renderReplay(summary) {
  const replay = summary.replay;
  $('pg-replay-panel').hidden = !replay;
  if (!replay) return;
  show('pg-replay', replay, () => [
    replay.entries.length
      ? table(
          [['Time', true], ['What'], ['Which']],
          replay.entries.map((e) => [seconds(e.t_s), e.kind.replace('_', ' '), replayWhat(e)]),
        )
      : empty('Nothing recorded yet.'),
    h('p', { class: 'pg-explain' }, `${replay.bytes} bytes of the summary.`),
  ]);
}

// Journey scope (the site's privacy.scope "journey", core/journey.h): the
// visit's place in the journey, what it reached first, and until when this
// browser keeps the journey (`journeyEnds`, from this page's tracker).
function renderJourney(summary, ends) {
  const journey = summary.journey;
  $('pg-journey-panel').hidden = !journey;
  if (!journey) return;
  show('pg-journey', [journey, ends], () => {
    const visit = journey.visit >= 8 ? '8th or later' : ordinal(journey.visit);
    const converted = journey.funnels.some((f) => f.converted);
    const until = ends
      ? new Date(ends).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' })
      : null;
    return [
      h(
        'p',
        {},
        `This is the ${visit} visit of your journey. ` +
          (converted
            ? `It converted ${daysAfter(journey.day)} (the summary says so in whole days); your next visit starts a new journey.`
            : until
              ? `This browser keeps the journey until ${until}, unless it converts first.`
              : ''),
      ),
      journey.funnels.length === 0
        ? empty('No funnel step was first reached in this visit yet.')
        : table(
            [['Funnel'], ['Steps first reached in this visit'], ['Converted in this visit']],
            journey.funnels.map((f) => [
              kFunnels.find((k) => k.id === f.funnel)?.label || String(f.funnel),
              f.first_reached.length ? f.first_reached.join(', ') : 'none',
              f.converted ? 'yes' : 'no',
            ]),
          ),
    ];
  });
}

function daysAfter(days) {
  if (days === 0) return "on the day of the journey's first visit";
  return `${days === 1 ? '1 day' : `${days} days`} after the journey's first visit`;
}

function ordinal(n) {
  return `${n}${n === 1 ? 'st' : n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'}`;
}

// Local differential privacy (the site's privacy.ldp_epsilon): the summary
// carries randomized bits only; show each with the true value it stands for
// and whether the noise flipped it. The true values come from this page's
// tracker and are never sent.
function renderLdp(summary, truth) {
  const panel = $('pg-ldp-panel');
  panel.hidden = !summary.ldp;
  if (!summary.ldp) return;
  show('pg-ldp', [summary.ldp, truth], () => {
    const bits = summary.ldp.bits;
    const flipped = bits.filter((b, i) => truth && b.sent !== truth[i]).length;
    const eps = Number(summary.ldp.epsilon);
    const keep = Math.exp(eps) / (1 + Math.exp(eps));
    const name = (b) =>
      b.micro !== undefined
        ? kMicroLabels[b.micro] || String(b.micro)
        : `${b.funnel}: reached "${b.step}"`;
    return [
      h(
        'p',
        {},
        `Epsilon ${eps} per answer: each yes/no below is sent truthfully with probability ${(keep * 100).toFixed(1)} % and flipped otherwise, with noise drawn once for this visit. Nothing is sent while the visit runs: these answers leave once, when it ends (after the inactivity timeout, 30 minutes on this store), as they stand then, so no one watching the requests sees an answer change. ${flipped} of ${bits.length} answers would be flipped if it ended now; nothing else about what you did is sent.`,
      ),
      table(
        [['Question'], ['True', true], ['Sent', true], ['Flipped', true]],
        bits.map((b, i) => [
          name(b),
          truth ? String(truth[i]) : '–',
          String(b.sent),
          truth && b.sent !== truth[i] ? 'flipped' : '',
        ]),
      ),
    ];
  });
}

function renderDims(summary) {
  show(
    'pg-dims',
    [summary.dims, summary.referrer, summary.utm_source, summary.utm_medium, summary.utm_campaign],
    () => {
      const d = summary.dims;
      const rows = [
        ['Device', d.device],
        ['Browser', d.browser],
        ['Operating system', d.os],
        ['Screen width class', d.screen],
        ['Language', d.language],
        ['Country (from time zone)', d.country || 'unknown'],
        ['Referrer site', summary.referrer || 'none'],
        [
          'Campaign (utm_*)',
          [summary.utm_source, summary.utm_medium, summary.utm_campaign]
            .filter(Boolean)
            .join(' / ') || 'none',
        ],
      ];
      return table(
        [['Dimension'], ['Value']],
        rows.map(([name, value]) => [name, h('code', {}, value || '–')]),
      );
    },
  );
}

// ---------- Heatmap ----------

// The wireframe of this page (header, panels, footer) behind the grid, so
// that cells can be matched to what was clicked.
function wireframe() {
  const root = document.documentElement;
  const scale = { x: 1 / root.scrollWidth, y: 1 / root.scrollHeight };
  const boxes = [];
  for (const element of document.querySelectorAll(
    '.site-header, .page-head, .pg-panel, .site-footer',
  )) {
    const r = element.getBoundingClientRect();
    boxes.push({
      x: (r.left + scrollX) * scale.x,
      y: (r.top + scrollY) * scale.y,
      w: r.width * scale.x,
      h: r.height * scale.y,
      dark: element.classList.contains('site-footer'),
    });
  }
  return { boxes, aspect: root.scrollHeight / root.scrollWidth };
}

function renderHeat(summary) {
  const select = $('heat-page');
  const elementClicks = summary.element_clicks || [];
  const templates = [...new Set([...summary.heat, ...elementClicks].map((c) => c.page))];
  if (!templates.includes(kThisPage)) templates.unshift(kThisPage);
  const options = templates.map((t) => (t === kThisPage ? t + ' (this page)' : t));
  if (JSON.stringify(options) !== shown.get('heat-options')) {
    shown.set('heat-options', JSON.stringify(options));
    const chosen = select.value || kThisPage;
    select.replaceChildren(...templates.map((t, i) => h('option', { value: t }, options[i])));
    select.value = templates.includes(chosen) ? chosen : kThisPage;
  }
  const page = select.value || kThisPage;
  renderElementClicks(elementClicks.filter((c) => c.page === page));
  const cells = summary.heat.filter((c) => c.page === page);
  const frame = page === kThisPage ? wireframe() : { boxes: [], aspect: 2 };
  const key = [page, cells, frame.boxes.length, Math.round(frame.aspect * 100)];
  if (shown.get('heat') === JSON.stringify(key)) return;
  shown.set('heat', JSON.stringify(key));

  const canvas = $('heat-canvas');
  // At most 240 px wide and 620 px tall, in the document's proportions.
  const height = Math.round(Math.min(620, 240 * frame.aspect));
  const width = Math.round(height / frame.aspect);
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.width = width + 'px';
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.fillStyle = '#f6f4ef';
  g.fillRect(0, 0, width, height);
  for (const box of frame.boxes) {
    g.fillStyle = box.dark ? '#d9d6e6' : '#ffffff';
    g.strokeStyle = '#d8d3c7';
    g.fillRect(box.x * width, box.y * height, box.w * width, box.h * height);
    g.strokeRect(box.x * width + 0.5, box.y * height + 0.5, box.w * width - 1, box.h * height - 1);
  }
  const max = Math.max(1, ...cells.map((c) => c.count));
  const cellW = width / kGridColumns;
  const cellH = height / kGridRows;
  for (const cell of cells) {
    const row = Math.floor(cell.cell / kGridColumns);
    const column = cell.cell % kGridColumns;
    g.fillStyle = `rgba(201, 71, 45, ${0.25 + 0.75 * (cell.count / max)})`;
    g.fillRect(column * cellW, row * cellH, cellW, cellH);
  }
  g.strokeStyle = 'rgba(27, 29, 42, 0.06)';
  for (let c = 1; c < kGridColumns; c++) {
    g.beginPath();
    g.moveTo(c * cellW, 0);
    g.lineTo(c * cellW, height);
    g.stroke();
  }
  for (let r = 1; r < kGridRows; r++) {
    g.beginPath();
    g.moveTo(0, r * cellH);
    g.lineTo(width, r * cellH);
    g.stroke();
  }
  canvas.setAttribute(
    'aria-label',
    `Heatmap of ${page}: ${cells.reduce((s, c) => s + c.count, 0)} clicks in ${cells.length} cells`,
  );
  $('heat-max').textContent = cells.length
    ? `more (max ${max} ${max === 1 ? 'click' : 'clicks'} in a cell)`
    : 'more';
  const list = cells.length
    ? table(
        [['Cell'], ['Row', true], ['Column', true], ['Clicks', true]],
        cells.map((c) => [
          String(c.cell),
          String(Math.floor(c.cell / kGridColumns) + 1),
          String((c.cell % kGridColumns) + 1),
          String(c.count),
        ]),
      )
    : empty(
        page === kThisPage
          ? 'No click on the grid of this page: clicks kept by element are listed below.'
          : 'No click on the grid of this template.',
      );
  $('pg-heat-cells').replaceChildren(list);
}

// A page's clicks kept by element: its key (a hash of its tag and id path,
// never its text) and the part of its box clicked, 4 x 4.
function renderElementClicks(clicks) {
  show('pg-element-clicks', clicks, () =>
    clicks.length
      ? table(
          [['Element key'], ['Part of its box'], ['Clicks', true]],
          clicks.map((c) => [
            h('code', {}, c.key),
            `row ${Math.floor(c.cell / kElementGridSide) + 1}, column ${(c.cell % kElementGridSide) + 1}`,
            String(c.count),
          ]),
        )
      : empty('No click kept by element on this template in the next summary.'),
  );
}

// ---------- Bytes ----------

// Offset, 16 bytes in two groups of 8, and the printable characters: the
// only readable strings in a summary are the site id, element paths, page
// paths that match no template, the referrer domain and utm values.
function hexDump(hex) {
  const lines = [];
  for (let offset = 0; offset < hex.length / 2; offset += 16) {
    const bytes = [];
    for (let i = offset; i < Math.min(offset + 16, hex.length / 2); i++)
      bytes.push(parseInt(hex.substr(i * 2, 2), 16));
    const cells = bytes.map((b) => b.toString(16).padStart(2, '0'));
    const left = cells.slice(0, 8).join(' ');
    const right = cells.slice(8).join(' ');
    const text = bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '·')).join('');
    lines.push(
      `${offset.toString(16).padStart(4, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  ${text}`,
    );
  }
  return lines.join('\n');
}

function renderBytes(summary, hex) {
  const json = JSON.stringify(summary, null, 2);
  if ($('pg-json').textContent !== json) $('pg-json').textContent = json;
  if (typeof hex === 'string' && /^[0-9a-f]*$/.test(hex) && hex.length % 2 === 0) {
    const dump = hexDump(hex);
    if ($('pg-hex').textContent !== dump) $('pg-hex').textContent = dump;
    $('hex-length').textContent = `(${hex.length / 2} bytes)`;
  } else {
    $('pg-hex').textContent =
      'Hex not available: this tracker version does not expose the raw bytes.';
    $('hex-length').textContent = '';
  }
}

// ---------- Status and refresh ----------

function setStatus(state, text) {
  const status = $('pg-status');
  status.dataset.state = state;
  if (status.textContent !== text) status.textContent = text;
}

function browserSignal() {
  if (navigator.globalPrivacyControl === true) return 'Global Privacy Control';
  if (navigator.doNotTrack === '1' || window.doNotTrack === '1') return 'Do Not Track';
  return '';
}

function optedOut() {
  try {
    return localStorage.getItem('microconv_optout') === '1';
  } catch (_) {
    return false;
  }
}

function showOff(text) {
  setStatus('off', 'Off: nothing is analysed');
  const off = $('pg-off');
  off.hidden = false;
  off.textContent = text;
  $('pg-panels').hidden = true;
}

async function inspect() {
  const result = await window.microconv('inspect', { bytes: true });
  if (!result) return null;
  // Older trackers ignore the option and return the summary itself.
  return result.summary ? result : { summary: result, hex: null };
}

let busy = false;
async function refresh() {
  if (busy || document.visibilityState !== 'visible') return;
  busy = true;
  try {
    const result = await inspect();
    if (!result) {
      showOff(
        optedOut()
          ? 'You switched microconv off for this site (the opt-out flag in this browser). Nothing is analysed, stored or sent.'
          : 'microconv is off in this browser, so nothing is analysed, stored or sent. The browser console says why (for example an automated browser or a local address the site did not allow).',
      );
      return;
    }
    const { summary, hex, ldpTruth, journeyEnds } = result;
    const signal = browserSignal();
    if (signal)
      setStatus(
        'local',
        `Local only: your browser sends ${signal}, so this analysis stays in this tab and is never stored or sent`,
      );
    else
      setStatus(
        'live',
        `Live · session ${summary.nonce.slice(-6)} · summary #${summary.seq} · updated ${new Date().toLocaleTimeString('en-GB')}`,
      );
    renderFacts(summary, hex ? hex.length / 2 : 0);
    renderPath(summary);
    renderFunnels(summary);
    renderPages(summary);
    renderFrustration(summary);
    renderHeat(summary);
    renderForms(summary);
    renderDims(summary);
    renderJourney(summary, journeyEnds);
    renderLdp(summary, ldpTruth);
    renderReplay(summary);
    renderBytes(summary, hex);
  } catch (error) {
    setStatus('off', 'Could not read the analysis: ' + String(error));
  } finally {
    busy = false;
  }
}

async function sendNow() {
  const result = $('send-result');
  const answer = await window.microconv('flush');
  if (!answer || typeof answer.sent !== 'boolean')
    result.textContent =
      'This tracker version cannot send on demand; it sends when you leave the page.';
  else if (answer.sent) result.textContent = `Sent summary #${answer.seq} to the collector.`;
  else
    result.textContent = `Nothing new since summary #${answer.seq}, which the collector already has.`;
  shown.clear();
  refresh();
}

function setUpOptOut() {
  const button = $('opt-out');
  const off = optedOut();
  button.textContent = off
    ? 'Turn microconv back on for this site'
    : 'Stop analysing me on this site';
  button.addEventListener('click', () => {
    try {
      if (off) localStorage.removeItem('microconv_optout');
      else localStorage.setItem('microconv_optout', '1');
    } catch (_) {
      // Storage blocked: the flag cannot be kept.
    }
    location.reload();
  });
}

function start() {
  setUpOptOut();
  const send = $('send-now');
  if (browserSignal()) {
    // microconv honours the signal: there is nothing to send, ever.
    send.disabled = true;
    $('send-result').textContent = `Sending is off: your browser sends ${browserSignal()}.`;
  } else {
    send.addEventListener('click', sendNow);
  }
  $('heat-page').addEventListener('change', () => refresh());
  if (optedOut()) {
    showOff(
      'You switched microconv off for this site (the opt-out flag in this browser). Nothing is analysed, stored or sent.',
    );
    return;
  }
  // The stub queues calls but cannot answer them: wait for the real loader.
  const began = Date.now();
  const wait = setInterval(() => {
    if (window.microconv && window.microconv.l) {
      clearInterval(wait);
      refresh();
      setInterval(refresh, kRefreshMs);
      document.addEventListener('visibilitychange', refresh);
    } else if (Date.now() - began > kLoadTimeoutMs) {
      clearInterval(wait);
      const tag = document.querySelector('script[data-site]');
      const origin = tag ? new URL(tag.src, location.href).origin : 'the collector';
      showOff(
        `microconv.js did not load from ${origin}. Is the collector running? Without it, nothing is analysed.`,
      );
    }
  }, 100);
}

start();
