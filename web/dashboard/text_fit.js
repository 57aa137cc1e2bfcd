// Fitting chart labels into a box before ECharts draws them: ECharts can wrap
// but not cap the number of lines, and its break splits words mid-way
// ("Headphone / s"). Widths are measured with the chart's own font.
import { font } from './charts.js';

const kMaxChars = 160; // labels are attacker controlled; bounds the measuring work
let measurer = null;

export function textWidth(text, fontSize) {
  measurer ||= document.createElement('canvas').getContext('2d');
  measurer.font = `${fontSize}px ${font}`;
  return measurer.measureText(text).width;
}

// `text` broken at spaces into at most `maxLines` lines no wider than
// `width` px. What does not fit ends in an ellipsis, so callers should show
// the full text elsewhere (a tooltip).
export function fitLines(text, width, maxLines, fontSize) {
  const fits = (line) => textWidth(line, fontSize) <= width;
  let words = String(text).slice(0, kMaxChars).trim().split(/\s+/).filter(Boolean);
  const lines = [];
  while (words.length && lines.length < maxLines) {
    let count = 1;
    while (count < words.length && fits(words.slice(0, count + 1).join(' '))) count++;
    lines.push(words.slice(0, count).join(' '));
    words = words.slice(count);
  }
  if (words.length) lines[lines.length - 1] += ` ${words.join(' ')}`;
  return lines.length ? lines.map((line) => (fits(line) ? line : ellipsize(line, fits))) : [''];
}

function ellipsize(line, fits) {
  let cut = line;
  while (cut.length > 1 && !fits(`${cut}\u2026`)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}\u2026`;
}
