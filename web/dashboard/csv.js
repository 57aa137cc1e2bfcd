// CSV and JSON downloads of what the dashboard shows. Cells are quoted per
// RFC 4180, and text cells that a spreadsheet would run as a formula (labels
// and paths are attacker controlled) get a leading apostrophe.
import { cellValue } from './dom.js';

const kFormulaStart = /^[=+\-@\t\r]/;

function csvCell(value) {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && kFormulaStart.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(cells) {
  return cells.map(csvCell).join(',');
}

// sections: [{ title, columns, rows }] as registered by the panels. Suppressed
// rows keep their labels and say "suppressed" in their numeric cells.
export function buildCsv(meta, sections) {
  const lines = [csvLine(['microconv report', meta.site, meta.from, meta.to])];
  for (const section of sections) {
    lines.push(
      '',
      csvLine([section.title]),
      csvLine(section.columns.map((column) => column.csvLabel || column.label)),
    );
    for (const row of section.rows) {
      lines.push(
        csvLine(
          section.columns.map((column) => {
            if (column.numeric && row.suppressed) return 'suppressed';
            const raw = cellValue(column, row);
            return column.csv ? column.csv(raw, row) : raw;
          }),
        ),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}

export function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
