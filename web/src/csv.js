// Parses CSV (RFC 4180: quoted fields, doubled quotes, CRLF) into objects
// keyed by the header row. Used on /api/usage.csv.

function parseRows(text) {
  const rows = [];
  let row = [];
  let fieldText = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        fieldText += '"';
        i += 1;
      } else if (c === '"') {
        quoted = false;
      } else {
        fieldText += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(fieldText);
      fieldText = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(fieldText);
      rows.push(row);
      row = [];
      fieldText = '';
    } else {
      fieldText += c;
    }
  }
  if (fieldText !== '' || row.length) rows.push([...row, fieldText]);
  return rows;
}

export function parseCsv(text) {
  const [header = [], ...rows] = parseRows(text);
  return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}
