// Drawing of the heatmap overlay: the click grid on a canvas and the scroll
// reach lines, both sized to the (scaled) document box.
import { el } from '../dom.js';
import { formatPercent } from '../format.js';

// Translucent cells, colour from indigo (few) through amber to rose (most).
export function drawCells(canvas, box, heat, cells) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(box.width));
  const height = Math.max(1, Math.min(Math.round(box.height), Math.floor(32000 / ratio)));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${box.height}px`;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const columns = heat.columns || 16;
  const rows = heat.rows || 32;
  const cw = width / columns;
  const ch = height / rows;
  ctx.strokeStyle = 'rgba(79, 70, 229, 0.10)';
  ctx.lineWidth = 1;
  for (let c = 1; c < columns; c++) line(ctx, c * cw, 0, c * cw, height);
  for (let r = 1; r < rows; r++) line(ctx, 0, r * ch, width, r * ch);
  if (!cells) return;
  const max = Math.max(...cells, 0);
  if (!max) return;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const count = cells[r * columns + c];
      if (!count) continue;
      const t = Math.sqrt(count / max);
      ctx.fillStyle = heatColor(t);
      ctx.fillRect(c * cw + 1, r * ch + 1, cw - 2, ch - 2);
    }
  }
}

function line(ctx, x1, y1, x2, y2) {
  ctx.beginPath();
  ctx.moveTo(Math.round(x1) + 0.5, Math.round(y1) + 0.5);
  ctx.lineTo(Math.round(x2) + 0.5, Math.round(y2) + 0.5);
  ctx.stroke();
}

function heatColor(t) {
  const stops = [
    [99, 102, 241],
    [245, 158, 11],
    [225, 29, 72],
  ];
  const scaled = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(scaled));
  const f = scaled - i;
  const rgb = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `rgba(${rgb.join(',')}, ${(0.35 + 0.4 * t).toFixed(2)})`;
}

// Lines at 10 %, 20 %, ... of the document with the share of page views that
// scrolled at least that far.
export function drawReach(container, box, reach) {
  container.replaceChildren();
  container.style.width = `${box.width}px`;
  container.style.height = `${box.height}px`;
  if (!reach) return;
  for (let i = 1; i < reach.length; i++) {
    const y = (i / (reach.length - 1)) * box.height;
    const mark = el(
      'div',
      { className: `reach-line${i === 5 ? ' half' : ''}` },
      el('span', { className: 'reach-depth', text: `${i * 10} %` }),
      el('span', {
        className: 'reach-label',
        // null: fewer than k page views got this deep (hidden for privacy).
        text:
          reach[i] === null ? 'hidden (too few visitors)' : `${formatPercent(reach[i], 0)} reached`,
      }),
    );
    mark.style.top = `${y}px`;
    container.append(mark);
  }
}
