// Journey replays (issue 13 point 3): a sampled session's content-free
// timeline played over the site's own page. The list comes from
// GET /api/replays/SITE (by outcome; withheld under k replays), one replay
// from GET /api/replays/SITE?id=ID: pages by template, clicks as heat-grid
// cells, scroll depth, fields and elements by their stable names. Nothing
// here is more than the summary holds: no text, no values, no URL, no time
// of day. The page under the player is the one the heatmap frames
// (heatmap_page.js: the owner's site URL and a real page of the template).
import { ApiError, fetchReplay, fetchReplays } from '../api.js';
import { clear, el, emptyState } from '../dom.js';
import {
  initialOrigin,
  pageUrl,
  parseOrigin,
  samplePath,
  templateExample,
} from './heatmap_page.js';

// The frame's layout width per device class: the page lays out as the
// visitor's class of screen did; scaled down to the panel.
const kFrameWidths = { mobile: 390, tablet: 820, desktop: 1280, unknown: 1280 };
// The grid is document-relative (16 x 32 cells): the stage takes the height
// of the framed page's document, which its microconv script reports (the
// 'measure' answer of web/tracker/overlay.js, as for the heatmap); until it
// does, or when it never does, this much.
const kFrameHeight = 2400;
// While measuring, a typical viewport: a page shorter than the frame reports
// the frame's height, as it did for the visitor.
const kMeasuringHeight = 800;
const kMaxHeight = 30000;
const kMeasureRetryMs = 250; // the page's script may still be loading at 'load'
const kMeasureTries = 8;
const kStepMs = 600; // playback: one entry per step at normal speed

const kOutcomes = [
  ['any', 'All'],
  ['converted', 'Converted'],
  ['dropped', 'Dropped off a funnel'],
  ['frustrated', 'Rage or dead clicks'],
];

// Mounted once; its body stays empty until the section is first opened
// (update), like every detail section.
export function createReplaysPanel(body) {
  let ui = null;
  const state = {
    view: null,
    replay: null,
    at: -1,
    timer: 0,
    origin: initialOrigin(),
    template: '',
    measured: null, // { src, height }: the framed document's height, CSS px
  };
  let measureTimer = 0;

  // Asks the framed page for its document size a few times: its script
  // loads after the frame's 'load'.
  function measure(src, tries = kMeasureTries) {
    clearTimeout(measureTimer);
    if (ui.frame.getAttribute('src') !== src || state.measured?.src === src) return;
    if (tries <= 0) {
      // No answer (an older script, or none): the page at the fixed height.
      state.measured = { src, height: 0 };
      if (state.replay) frame(state.template);
      return;
    }
    ui.frame.contentWindow?.postMessage({ microconv: 'measure' }, parseOrigin(src));
    measureTimer = setTimeout(() => measure(src, tries - 1), kMeasureRetryMs);
  }

  function onMessage(event) {
    const src = ui?.frame.getAttribute('src') || '';
    if (!src || event.source !== ui.frame.contentWindow || event.origin !== parseOrigin(src))
      return;
    const data = event.data;
    if (!data || data.microconv !== 'measure') return;
    const height = Number(data.height);
    if (!Number.isFinite(height) || height <= 0) return;
    clearTimeout(measureTimer);
    state.measured = { src, height: Math.min(kMaxHeight, Math.round(height)) };
    if (state.replay) frame(state.template);
  }

  function mount() {
    ui = buildSkeleton(body);
    window.addEventListener('message', onMessage);
    ui.frame.addEventListener('load', () => measure(ui.frame.getAttribute('src') || ''));
    ui.origin.value = state.origin;
    ui.outcome.addEventListener('change', () => list());
    ui.origin.addEventListener('change', () => {
      state.origin = parseOrigin(ui.origin.value) || '';
      if (state.replay) show(state.at);
    });
    ui.play.addEventListener('click', () => (state.timer ? pause() : play()));
    ui.step.addEventListener('click', () => {
      pause();
      step();
    });
    ui.restart.addEventListener('click', () => {
      pause();
      show(0);
    });
  }

  async function list() {
    const view = state.view;
    if (!view) return;
    pause();
    clear(ui.list, el('p', { className: 'hint', text: 'Loading replays\u2026' }));
    let answer;
    try {
      answer = await fetchReplays(view.report.site, {
        from: view.range.from,
        to: view.range.to,
        outcome: ui.outcome.value,
      });
    } catch (error) {
      const text =
        error instanceof ApiError && error.status === 403
          ? 'Replays are shown to the site owner only (not through shared links).'
          : String(error.message || error);
      clear(ui.list, emptyState('No replays', text));
      return;
    }
    if (answer.withheld) {
      clear(
        ui.list,
        emptyState(
          'Replays hidden for privacy',
          `Fewer than ${answer.k} sampled sessions in this range: widen the range.`,
        ),
      );
      return;
    }
    if (!answer.replays.length) {
      clear(
        ui.list,
        emptyState(
          'No replays match',
          'Only sampled sessions are replayed (privacy.replay_sample_rate).',
        ),
      );
      return;
    }
    const funnels = view.report.funnels || [];
    clear(
      ui.list,
      el('p', { className: 'hint', text: `${answer.sampled} sampled sessions in this range.` }),
      el(
        'ul',
        { className: 'replay-list' },
        answer.replays.map((row) =>
          el(
            'li',
            {},
            el('button', {
              className: 'btn btn-ghost replay-pick',
              text: `${row.date} \u00b7 ${describe(row, funnels)}`,
              dataset: { id: row.id },
              attrs: { type: 'button' },
              on: { click: () => open(row.id) },
            }),
          ),
        ),
      ),
    );
  }

  async function open(id) {
    pause();
    try {
      state.replay = await fetchReplay(state.view.report.site, id);
    } catch (error) {
      clear(
        ui.entries,
        emptyState('This replay could not be read', String(error.message || error)),
      );
      return;
    }
    ui.player.hidden = false;
    ui.meta.textContent = `${state.replay.date} \u00b7 ${state.replay.device} \u00b7 ${
      state.replay.entries.length
    } entries${state.replay.truncated ? ' (cut at the size cap)' : ''}`;
    clear(
      ui.entries,
      state.replay.entries.map((entry, i) =>
        el('li', {
          text: `${seconds(entry.t)}  ${label(entry)}`,
          dataset: { index: i },
          on: {
            click: () => {
              pause();
              show(i);
            },
          },
        }),
      ),
    );
    show(0);
  }

  function play() {
    if (!state.replay) return;
    if (state.at >= state.replay.entries.length - 1) show(0);
    ui.play.textContent = 'Pause';
    // Stops on the last entry, not a step after it.
    state.timer = setInterval(() => {
      if (!step() || state.at >= state.replay.entries.length - 1) pause();
    }, kStepMs);
  }

  function pause() {
    clearInterval(state.timer);
    state.timer = 0;
    if (ui) ui.play.textContent = 'Play';
  }

  function step() {
    if (!state.replay || state.at >= state.replay.entries.length - 1) return false;
    show(state.at + 1);
    return true;
  }

  // The player at entry `i`: the page of the last page entry so far, the
  // clicks since it, the scroll reached on it.
  function show(i) {
    const entries = state.replay.entries;
    state.at = Math.max(0, Math.min(i, entries.length - 1));
    let pageAt = -1;
    for (let j = state.at; j >= 0; j--) {
      if (entries[j].kind === 'page') {
        pageAt = j;
        break;
      }
    }
    const page = pageAt >= 0 ? entries[pageAt].page : '';
    frame(page);
    const marks = [];
    let scroll = 0;
    for (let j = Math.max(pageAt, 0); j <= state.at; j++) {
      const e = entries[j];
      if (e.kind === 'scroll') scroll = e.percent;
      if (e.kind === 'click') {
        const mark = el('span', {
          className: `replay-dot${j === state.at ? ' current' : ''}`,
          attrs: { title: e.element || 'click' },
        });
        mark.style.left = `${((e.column + 0.5) / state.replay.grid.columns) * 100}%`;
        mark.style.top = `${((e.row + 0.5) / state.replay.grid.rows) * 100}%`;
        marks.push(mark);
      }
      if ((e.kind === 'rage_click' || e.kind === 'dead_click') && j === state.at) {
        marks.push(
          el('span', {
            className: `replay-flag ${e.kind}`,
            text: `${e.kind === 'rage_click' ? 'Rage click' : 'Dead click'}${
              e.element ? `: ${e.element}` : ''
            }`,
          }),
        );
      }
    }
    const line = el('div', {
      className: 'replay-scroll',
      attrs: { title: `${scroll} % scrolled` },
    });
    line.style.top = `${scroll}%`;
    clear(ui.marks, marks, scroll ? line : null);
    ui.position.textContent = `${state.at + 1} / ${entries.length} \u00b7 ${seconds(
      entries[state.at].t,
    )} \u00b7 ${page || 'no page yet'}`;
    for (const item of ui.entries.children) {
      item.classList.toggle('current', Number(item.dataset.index) === state.at);
    }
  }

  // The stage sized to the panel, the page (when the owner gave the site
  // URL and the template names a real page) in the frame under the marks.
  // The frame carries '#microconv-overlay': the page's script then tracks
  // nothing (the owner watching a replay is no visit) and reports its size.
  function frame(template) {
    state.template = template;
    const width = kFrameWidths[state.replay.device] || kFrameWidths.unknown;
    const scale = Math.min(1, (ui.stage.parentElement.clientWidth || width) / width);
    const origin = state.origin;
    const report = state.view.report;
    const path = template
      ? samplePath(report.site, template, templateExample(report, template))
      : '';
    const url = origin && path ? pageUrl(origin, path) : '';
    const src = url ? `${url}#microconv-overlay` : '';
    if (src && ui.frame.getAttribute('src') !== src) {
      state.measured = null;
      ui.frame.src = src;
    }
    if (!src) ui.frame.removeAttribute('src');
    const answered = Boolean(src) && state.measured?.src === src;
    const measured = answered ? state.measured.height : 0;
    const height = measured || kFrameHeight;
    ui.stage.style.width = `${width * scale}px`;
    ui.stage.style.height = `${height * scale}px`;
    ui.stage.dataset.documentHeight = String(measured);
    ui.frame.style.width = `${width}px`;
    ui.frame.style.height = `${measured || (src && !answered ? kMeasuringHeight : kFrameHeight)}px`;
    ui.frame.style.transform = `scale(${scale})`;
    ui.frame.hidden = !src;
    ui.stageNote.textContent = src
      ? ''
      : origin
        ? `${template || 'No page'}: give a real page of this template in the Heatmap panel to see it here.`
        : 'Enter the site URL to see the page under the replay.';
  }

  return {
    update(view) {
      if (!ui) mount();
      state.view = view;
      state.replay = null;
      ui.player.hidden = true;
      list();
    },
  };
}

function describe(row, funnels) {
  const parts = row.outcome.map((o) => (o === 'frustrated' ? 'rage/dead clicks' : o));
  for (const drop of row.drops) {
    const funnel = funnels[drop.funnel];
    const name = funnel ? funnel.label || funnel.id : `funnel ${drop.funnel + 1}`;
    parts.push(`left ${name} at step ${drop.step + 1}`);
  }
  return parts.join(', ') || 'no funnel started';
}

function seconds(tenths) {
  return `${(tenths / 10).toFixed(1)} s`;
}

function label(entry) {
  switch (entry.kind) {
    case 'page':
      return `Page ${entry.page}`;
    case 'conversion':
      return `Micro-conversion: ${entry.label}`;
    case 'click':
      return `Click ${entry.element || '(no stable element)'} at cell ${entry.row},${entry.column}`;
    case 'scroll':
      return `Scrolled to ${entry.percent} %`;
    case 'field_focus':
      return `Field ${entry.field} focused`;
    case 'field_leave':
      return `Field ${entry.field} left`;
    case 'rage_click':
      return `Rage click ${entry.element || ''}`.trim();
    case 'dead_click':
      return `Dead click ${entry.element || ''}`.trim();
    case 'truncated':
      return 'Replay cut at its size cap';
    default:
      return entry.kind;
  }
}

function buildSkeleton(body) {
  const ui = {};
  ui.outcome = el(
    'select',
    { attrs: { id: 'replays-outcome' } },
    kOutcomes.map(([value, text]) => el('option', { text, attrs: { value } })),
  );
  ui.origin = el('input', {
    attrs: {
      id: 'replays-origin',
      type: 'url',
      placeholder: 'https://shop.example',
      spellcheck: 'false',
    },
  });
  ui.list = el('div', { className: 'replay-lists' });
  ui.play = el('button', { className: 'btn btn-primary', text: 'Play', attrs: { type: 'button' } });
  ui.step = el('button', { className: 'btn btn-ghost', text: 'Step', attrs: { type: 'button' } });
  ui.restart = el('button', {
    className: 'btn btn-ghost',
    text: 'Restart',
    attrs: { type: 'button' },
  });
  ui.meta = el('p', { className: 'hint replay-meta' });
  ui.position = el('p', { className: 'replay-position', attrs: { 'aria-live': 'polite' } });
  ui.frame = el('iframe', {
    className: 'heatmap-frame',
    hidden: true,
    attrs: {
      title: 'The site page under the replay',
      referrerpolicy: 'no-referrer',
      scrolling: 'no',
      tabindex: '-1',
    },
  });
  ui.marks = el('div', { className: 'replay-marks', attrs: { 'aria-hidden': 'true' } });
  ui.stageNote = el('p', { className: 'replay-stage-note' });
  ui.stage = el('div', { className: 'heatmap-stage replay-stage' }, ui.frame, ui.marks);
  ui.entries = el('ol', { className: 'replay-entries' });
  ui.player = el(
    'div',
    { className: 'replay-player', hidden: true },
    ui.meta,
    el('div', { className: 'control-row' }, ui.play, ui.step, ui.restart),
    ui.position,
    el(
      'div',
      { className: 'replay-body' },
      el('div', { className: 'replay-stage-wrap' }, ui.stageNote, ui.stage),
      ui.entries,
    ),
  );
  clear(
    body,
    el(
      'div',
      { className: 'heatmap-controls replay-controls' },
      el('label', { attrs: { for: 'replays-outcome' } }, 'Outcome ', ui.outcome),
      el('label', { attrs: { for: 'replays-origin' } }, 'Site URL ', ui.origin),
    ),
    ui.list,
    ui.player,
  );
  return ui;
}
