// Splits one CSV record (RFC 4180 quoting, `""` inside quotes) into fields. An empty unquoted field is
// null (SQL NULL); a quoted empty field is the empty string.

export function splitCsvRecord(line: string, delimiter: string): (string | null)[] {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 10 || line.charCodeAt(end - 1) === 13)) end--;
  const fields: (string | null)[] = [];
  const d = delimiter.charCodeAt(0);
  let i = 0;
  for (;;) {
    if (i < end && line.charCodeAt(i) === 34) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0 || q >= end) throw new Error('unterminated quoted field');
        value += line.slice(j, q);
        if (q + 1 < end && line.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i < end && line.charCodeAt(i) !== d) throw new Error(`unexpected character after quoted field at ${i}`);
    } else {
      let j = i;
      while (j < end && line.charCodeAt(j) !== d) j++;
      fields.push(j === i ? null : line.slice(i, j));
      i = j;
    }
    if (i >= end) break;
    i++; // delimiter
    if (i === end) {
      fields.push(null);
      break;
    }
  }
  return fields;
}
