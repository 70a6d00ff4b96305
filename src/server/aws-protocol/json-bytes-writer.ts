// Writes a JSON answer straight into bytes, for answers with one entry per record (GetRecords,
// PutRecords): building an object per record and JSON.stringify-ing it, then encoding the string to UTF-8,
// cost more than the store's own work. The output is byte for byte what JSON.stringify would produce.
//
// Memory: the buffer grows by doubling as needed, so it is bounded by the answer's size, which the
// operations bound (10,000 records and 10 MiB of data for GetRecords, 500 entries for PutRecords).

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64 = Uint8Array.from(BASE64_ALPHABET, (c) => c.charCodeAt(0));
/**
 * The two characters for each 12-bit value as one 16-bit number (first character in the low byte): each
 * three input bytes become two lookups and one little-endian 32-bit store.
 */
const BASE64_PAIRS = new Uint16Array(4096);
for (let v = 0; v < 4096; v++) BASE64_PAIRS[v] = BASE64[v >>> 6]! | (BASE64[v & 63]! << 8);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
/** Above this size Node's native encoder beats a loop in JS despite the intermediate string. */
const NATIVE_BASE64_FROM = 512;

/**
 * A piece of JSON text that contains only ASCII (member names, punctuation), kept as bytes and as
 * little-endian 32-bit words: copying a short constant four bytes per store beats both a byte loop and
 * TypedArray#set, whose call costs more than the copy.
 */
export interface AsciiText {
  readonly bytes: Uint8Array;
  readonly words: Uint32Array;
}

export function asciiText(text: string): AsciiText {
  const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
  const words = new Uint32Array(bytes.length >>> 2);
  for (let i = 0; i < words.length; i++) {
    words[i] = (bytes[4 * i]! | (bytes[4 * i + 1]! << 8) | (bytes[4 * i + 2]! << 16) | (bytes[4 * i + 3]! << 24)) >>> 0;
  }
  return { bytes, words };
}

export class JsonBytesWriter {
  private buf: Buffer;
  /** The same bytes, for 32-bit stores at any offset. */
  private view: DataView;
  private at = 0;

  constructor(initialBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  /** Constant ASCII text. */
  raw(text: AsciiText): void {
    const bytes = text.bytes;
    const words = text.words;
    const n = bytes.length;
    this.reserve(n);
    const view = this.view;
    const at = this.at;
    let i = 0;
    for (; i < words.length; i++) view.setUint32(at + 4 * i, words[i]!, true);
    const buf = this.buf;
    for (i *= 4; i < n; i++) buf[at + i] = bytes[i]!;
    this.at = at + n;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.at++] = b;
  }

  /** Text the caller knows is ASCII with nothing to escape: digits, sequence numbers, shard ids. */
  ascii(text: string): void {
    const n = text.length;
    this.reserve(n);
    const view = this.view;
    const at = this.at;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      view.setUint32(at + i, text.charCodeAt(i) | (text.charCodeAt(i + 1) << 8) | (text.charCodeAt(i + 2) << 16) | (text.charCodeAt(i + 3) << 24), true);
    }
    const buf = this.buf;
    for (; i < n; i++) buf[at + i] = text.charCodeAt(i);
    this.at = at + n;
  }

  /** A number as JSON.stringify writes it (finite numbers only, as answers hold). */
  number(n: number): void {
    this.ascii(String(n));
  }

  /** A JSON string literal, quotes included. */
  string(text: string): void {
    const n = text.length;
    this.reserve(n + 2);
    const buf = this.buf;
    let at = this.at;
    buf[at++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) {
        // Escapes and non-ASCII text: let JSON.stringify decide the escaping, then encode it as UTF-8.
        const quoted = JSON.stringify(text);
        this.reserve(Buffer.byteLength(quoted, 'utf8'));
        this.at += this.buf.write(quoted, this.at, 'utf8');
        return;
      }
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    this.at = at;
  }

  /** Bytes as a quoted base64 string. */
  base64(bytes: Uint8Array): void {
    this.byte(QUOTE);
    this.base64Unquoted(bytes);
    this.byte(QUOTE);
  }

  /** Bytes in base64, for a caller that writes the quotes as part of its constant text. */
  base64Unquoted(bytes: Uint8Array): void {
    const n = bytes.length;
    this.reserve(Math.ceil(n / 3) * 4);
    const buf = this.buf;
    let at = this.at;
    if (n >= NATIVE_BASE64_FROM) {
      const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, n);
      at += buf.write(view.toString('base64'), at, 'latin1');
    } else {
      const view = this.view;
      let i = 0;
      for (; i + 5 < n; i += 6) {
        const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
        const u = (bytes[i + 3]! << 16) | (bytes[i + 4]! << 8) | bytes[i + 5]!;
        view.setUint32(at, BASE64_PAIRS[v >>> 12]! | (BASE64_PAIRS[v & 4095]! << 16), true);
        view.setUint32(at + 4, BASE64_PAIRS[u >>> 12]! | (BASE64_PAIRS[u & 4095]! << 16), true);
        at += 8;
      }
      for (; i + 2 < n; i += 3) {
        const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
        view.setUint32(at, BASE64_PAIRS[v >>> 12]! | (BASE64_PAIRS[v & 4095]! << 16), true);
        at += 4;
      }
      if (i < n) {
        const two = i + 1 < n;
        const v = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0);
        buf[at++] = BASE64[v >>> 18]!;
        buf[at++] = BASE64[(v >>> 12) & 63]!;
        buf[at++] = two ? BASE64[(v >>> 6) & 63]! : EQUALS;
        buf[at++] = EQUALS;
      }
    }
    this.at = at;
  }

  /** JSON text produced elsewhere (rare members such as ChildShards). */
  json(text: string): void {
    this.reserve(Buffer.byteLength(text, 'utf8'));
    this.at += this.buf.write(text, this.at, 'utf8');
  }

  /** The bytes written; the writer must not be used afterwards. */
  finish(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}
