// UTF-8 encoding and decoding for string columns (offsets + bytes), with an ASCII fast path that avoids
// TextEncoder/TextDecoder call overhead for the short strings typical of records.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A growable UTF-8 byte buffer with Arrow Utf8 offsets. */
export class Utf8Writer {
  bytes: Uint8Array;
  readonly offsets: Int32Array;
  length = 0;
  private end = 0;

  constructor(capacity: number, bytesHint = capacity * 16) {
    this.offsets = new Int32Array(capacity + 1);
    this.bytes = new Uint8Array(Math.max(64, bytesHint));
  }

  /** Appends a string as the next value (use `appendEmpty` for a NULL slot). */
  append(s: string): void {
    const n = s.length;
    let end = this.end;
    if (end + n * 3 > this.bytes.length) this.grow(end + n * 3);
    const bytes = this.bytes;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[end++] = c;
    }
    if (i < n) end += encoder.encodeInto(s.slice(i), bytes.subarray(end)).written;
    this.end = end;
    this.offsets[++this.length] = end;
  }

  /** Appends raw UTF-8 bytes as the next value. */
  appendBytes(src: Uint8Array, start: number, stop: number): void {
    const n = stop - start;
    let end = this.end;
    if (end + n > this.bytes.length) this.grow(end + n);
    const bytes = this.bytes;
    // A short value is copied byte by byte: cheaper than the view that set() needs.
    if (n <= 96) for (let i = start; i < stop; i++) bytes[end++] = src[i]!;
    else {
      bytes.set(src.subarray(start, stop), end);
      end += n;
    }
    this.end = end;
    this.offsets[++this.length] = this.end;
  }

  appendEmpty(): void {
    this.offsets[++this.length] = this.end;
  }

  /** Drops the last value (used when a record fails to decode after some columns were written). */
  truncate(length: number): void {
    this.length = length;
    this.end = this.offsets[length]!;
  }

  private grow(min: number): void {
    let cap = this.bytes.length * 2;
    while (cap < min) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.end));
    this.bytes = next;
  }

  finishOffsets(): Int32Array {
    return this.offsets.subarray(0, this.length + 1);
  }

  finishBytes(): Uint8Array {
    return this.bytes.subarray(0, this.end);
  }
}

/** Decodes bytes[start, stop) as UTF-8. */
export function decodeUtf8(bytes: Uint8Array, start: number, stop: number): string {
  const n = stop - start;
  if (n < 24) {
    let s = '';
    for (let i = start; i < stop; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return decoder.decode(bytes.subarray(start, stop));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(bytes.subarray(start, stop));
}

export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * The bytes as text when they are UTF-8, else null. `cut`: the bytes are the start of longer data, so a
 * character cut at their end is left out rather than making them "not UTF-8".
 */
export function utf8TextOrNull(bytes: Uint8Array, cut: boolean): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: cut });
  } catch {
    return null;
  }
}
