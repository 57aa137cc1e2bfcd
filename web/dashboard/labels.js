// Micro-conversion ids (in paths and next actions) to their configured
// labels. The report carries labels in `lift` (every non-macro
// micro-conversion) and, when the collector adds it, a `micros` list; an id
// without a label is shown humanised ("begin_checkout" -> "Begin checkout").
export function microLabels(report) {
  const labels = new Map();
  for (const micro of report.micros || []) {
    if (micro && typeof micro.id === 'string' && micro.label)
      labels.set(micro.id, String(micro.label));
  }
  for (const row of report.lift || []) {
    if (typeof row.micro === 'string' && row.label && !labels.has(row.micro))
      labels.set(row.micro, String(row.label));
  }
  return (id) => labels.get(id) || humanise(id);
}

function humanise(id) {
  const text = String(id).replace(/[_-]+/g, ' ').trim();
  return text ? text[0].toUpperCase() + text.slice(1) : String(id);
}
