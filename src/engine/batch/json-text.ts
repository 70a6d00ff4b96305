// JSON text of results that may hold DECIMAL values. A DECIMAL leaves the engine as an ExactNumber, its
// digits with exactly its scale after the point, and is written as a JSON number of those digits
// (`12.300`), as Flink's JSON format writes a DECIMAL: never through a double.
import { randomUUID } from 'node:crypto';

/** A DECIMAL value in a result row: its digits as text. Plain JSON.stringify writes it as the nearest double. */
export class ExactNumber {
  constructor(readonly text: string) {}
  toJSON(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
}

const rawJSON = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;

// Without JSON.rawJSON (Node 20), an ExactNumber is written as a string that starts with this mark and is
// unquoted afterwards. The mark holds a NUL and a random UUID, so no string a user wrote can carry it.
const MARK = `\u0000${randomUUID()}`;
const MARKED = new RegExp(`"${JSON.stringify(MARK).slice(1, -1).replace(/\\/g, '\\\\')}(-?[0-9]+(?:\\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)"`, 'g');

function replacer(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (!(original instanceof ExactNumber)) return value;
  return rawJSON ? rawJSON(original.text) : MARK + original.text;
}

/** JSON.stringify, except that ExactNumbers are written as JSON numbers with all of their digits. */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value, replacer);
  return rawJSON || !text.includes('\\u0000') ? text : text.replace(MARKED, '$1');
}

/**
 * JSON.parse, except that a number with more significant digits than a double holds exactly (over 15)
 * is given as a string of its digits, which DECIMAL columns read exactly and other columns read as they
 * read a number in a string. For records read into DECIMAL columns; others keep plain JSON.parse.
 */
export function parseJsonKeepingDigits(text: string): unknown {
  return JSON.parse(quoteNumbers(text, '', false));
}

/**
 * JSON.parse, except that a number written with a point or with over 15 significant digits becomes an
 * ExactNumber of its text, so toJson writes it back digit for digit (`12.300` stays `12.300`).
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(quoteNumbers(text, MARK, true), (_key, v: unknown) => (typeof v === 'string' && v.startsWith(MARK) ? new ExactNumber(v.slice(MARK.length)) : v));
}

/**
 * The text with numbers of over 15 significant digits (and, with `pointed`, those with a point) as
 * strings of `mark` and their digits; strings are stepped over. The mark goes in JSON-escaped.
 */
function quoteNumbers(text: string, mark: string, pointed: boolean): string {
  const escaped = JSON.stringify(mark).slice(1, -1);
  let out = '';
  let from = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote, stepping over escapes.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      let significant = 0;
      let leading = true;
      let point = false;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) {
          if (d !== 48 || !leading) {
            leading = false;
            significant++;
          }
        } else if (d === 46) point = true;
        else if (d === 101 || d === 69) {
          // The exponent's digits are not significant ones.
          for (i++; i < n && /[+\-0-9]/.test(text[i]!); i++);
          break;
        } else if (d !== 45) break;
      }
      if (significant > 15 || (pointed && point)) {
        out += `${text.slice(from, start)}"${escaped}${text.slice(start, i)}"`;
        from = i;
      }
      i--;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}
