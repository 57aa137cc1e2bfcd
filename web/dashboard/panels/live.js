// Real-time: sessions whose last activity (start + duration, by the visitor's
// own summary) lies within the live window, and
// how far those sessions got in the selected funnel, from the collector's
// Server-Sent Events. When the stream's count of stored summaries moves,
// `onStored` tells the dashboard, which re-queries its report. The stream is closed while the tab is hidden (each
// stream holds a collector thread) and reopened when it is shown again.
import { openLive } from '../api.js';
import { clear, el, emptyState, shareBar } from '../dom.js';
import { formatInt, formatPercent } from '../format.js';

const kHistory = 90; // samples kept for the trend line (about 1.5 minutes)
const kSvg = 'http://www.w3.org/2000/svg';

export function createLivePanel(body, { onStored } = {}) {
  const status = el('span', { className: 'live-status', attrs: { role: 'status' } }); // empty until connecting
  const number = el('span', {
    className: 'live-number',
    dataset: { live: 'active_sessions' },
    text: '\u2013',
  });
  const caption = el('span', { className: 'live-caption', text: 'active sessions' });
  const trend = el('div', { className: 'live-trend', attrs: { 'aria-hidden': 'true' } });
  const funnel = el('div', { className: 'live-funnel' });
  const updated = el('span', { className: 'live-updated' });
  clear(
    body,
    el('div', { className: 'live-top' }, el('div', {}, number, caption), status),
    trend,
    el('h3', { className: 'subhead', text: 'Live funnel' }),
    funnel,
    updated,
  );

  let site = '';
  let connection = null;
  let last = null;
  let funnelId = '';
  let stepLabels = [];
  let history = [];
  let lastAt = 0;
  let stored = null; // the stream's stored_summaries when last seen

  function setStatus(value) {
    const text =
      {
        connecting: 'Connecting\u2026',
        open: 'Live',
        reconnecting: 'Reconnecting\u2026',
        closed: 'Disconnected',
        paused: 'Paused while hidden',
      }[value] || value;
    status.textContent = text;
    status.className = `live-status live-${value}`;
  }

  function onData(data) {
    if (!data || typeof data !== 'object') return;
    last = data;
    lastAt = Date.now();
    const count = Number(data.stored_summaries);
    if (Number.isFinite(count)) {
      // The first event of a stream only sets the mark (the report was just loaded).
      if (stored !== null && count !== stored) onStored?.();
      stored = count;
    }
    setStatus('open');
    const active = Number(data.active_sessions) || 0;
    number.textContent = formatInt(active);
    number.dataset.value = String(active);
    const minutes = Math.round((Number(data.window_seconds) || 300) / 60);
    caption.textContent = `sessions with activity in the last ${minutes} min`;
    history.push(active);
    if (history.length > kHistory) history = history.slice(-kHistory);
    drawTrend();
    drawFunnel();
    updated.textContent = active
      ? `Updated ${new Date(lastAt).toLocaleTimeString()}`
      : 'Nobody right now: visitors appear here within seconds of their next page flush.';
  }

  function drawTrend() {
    if (history.length < 2) return void trend.replaceChildren();
    const width = 300;
    const height = 44;
    const max = Math.max(...history, 1);
    const step = width / (kHistory - 1);
    const offset = (kHistory - history.length) * step;
    const points = history.map(
      (v, i) =>
        `${(offset + i * step).toFixed(1)},${(height - 3 - (v / max) * (height - 8)).toFixed(1)}`,
    );
    const svg = document.createElementNS(kSvg, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    // The baseline spans the whole window so a young trend reads as growing from the right.
    const base = document.createElementNS(kSvg, 'line');
    base.setAttribute('class', 'live-base');
    for (const [key, value] of Object.entries({ x1: 0, y1: height - 1, x2: width, y2: height - 1 }))
      base.setAttribute(key, String(value));
    const area = document.createElementNS(kSvg, 'polygon');
    area.setAttribute('class', 'live-area');
    area.setAttribute(
      'points',
      `${offset.toFixed(1)},${height} ${points.join(' ')} ${width},${height}`,
    );
    const polyline = document.createElementNS(kSvg, 'polyline');
    polyline.setAttribute('class', 'live-line');
    polyline.setAttribute('points', points.join(' '));
    svg.append(base, area, polyline);
    trend.replaceChildren(svg);
  }

  function drawFunnel() {
    const funnels = Array.isArray(last?.funnels) ? last.funnels : [];
    const live = funnels.find((f) => f.id === funnelId) || funnels[0];
    if (!live) return void clear(funnel, emptyState('No funnel configured'));
    const steps = Array.isArray(live.steps) ? live.steps.map((v) => Number(v) || 0) : [];
    const entered = Number(live.entered) || 0;
    const list = el('ol', {
      className: 'live-steps',
      attrs: { 'aria-label': `Live funnel ${live.label || live.id}` },
    });
    list.append(row('Entered', entered, entered));
    steps.forEach((count, i) => {
      list.append(row(stepLabels[i] || `Step ${i + 1}`, count, entered));
    });
    clear(funnel, list);
  }

  function row(label, count, entered) {
    return el(
      'li',
      { className: 'live-step' },
      el('span', { className: 'live-step-label', text: label, attrs: { title: label } }),
      shareBar(entered ? count / entered : 0),
      el('span', {
        className: 'live-step-num',
        text: formatInt(count),
        attrs: { title: entered ? formatPercent(count / entered) : '' },
      }),
    );
  }

  function connect() {
    disconnect();
    if (!site) return;
    if (document.hidden) return setStatus('paused');
    connection = openLive(site, { onData, onStatus: setStatus });
  }

  function disconnect() {
    connection?.close();
    connection = null;
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      disconnect();
      setStatus('paused');
    } else {
      connect();
    }
  });

  return {
    // site: the site id; funnel: { id, steps: [{label}] } of the report, or null.
    update(nextSite, reportFunnel) {
      funnelId = reportFunnel?.id || '';
      stepLabels = (reportFunnel?.steps || []).map((s) => s.label);
      if (nextSite !== site) {
        site = nextSite;
        history = [];
        last = null;
        stored = null;
        number.textContent = '\u2013';
        delete number.dataset.value;
        clear(funnel);
        trend.replaceChildren();
        connect();
      } else if (last) {
        drawFunnel();
      }
    },
  };
}
