// Drawing of the heatmap overlay: the click grid and the clicked elements'
// cells on a canvas, and the scroll reach lines, all sized to the (scaled)
// document box.
import { el } from '../dom.js';
import { formatPercent } from '../format.js';

// Translucent cells, colour from indigo (few) through amber to rose (most),
// relative to `max` clicks per cell (default: the grid's own most clicked
// cell; the panel passes one scale for the grid and the elements).
export function drawCells(canvas, box, heat, cells, max = Math.max(...(cells || []), 0)) {
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
  if (!cells || !max) return;
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

// Each placed element (canvas px {x, y, width, height} and its report row)
// gets its box outlined and its 4 x 4 cells (row-major, row 0 at the top)
// filled on the same scale as the grid; larger boxes first, so an element
// inside another stays visible. Call after drawCells, which sizes the canvas.
export function drawElements(canvas, placed, columns, rows, max) {
  const ctx = canvas.getContext('2d');
  const order = [...placed].sort((a, b) => b.width * b.height - a.width * a.height);
  for (const box of order) {
    const cw = box.width / columns;
    const ch = box.height / rows;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c++) {
        const count = box.row.cells?.[r * columns + c];
        if (!count || !max) continue;
        ctx.fillStyle = heatColor(Math.sqrt(Math.min(1, count / max)));
        ctx.fillRect(box.x + c * cw, box.y + r * ch, cw, ch);
      }
    }
    ctx.strokeStyle = 'rgba(67, 56, 202, 0.75)';
    ctx.lineWidth = 1;
    ctx.strokeRect(
      Math.round(box.x) + 0.5,
      Math.round(box.y) + 0.5,
      Math.max(1, Math.round(box.width) - 1),
      Math.max(1, Math.round(box.height) - 1),
    );
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
