// A record's bytes as the /v1 API shows them: base64 always, and the text too when the bytes are UTF-8,
// so a page can show JSON or text without guessing, and binary data is never mangled.

import { utf8TextOrNull } from '../../engine/index.js';

export interface RecordDataForWire {
  /** The record's whole size in bytes. */
  readonly bytes: number;
  /** True when only the first bytes are shown. */
  readonly truncated: boolean;
  readonly dataBase64: string;
  /** The bytes shown, decoded as UTF-8; null when they are not UTF-8. */
  readonly text: string | null;
}

export function recordDataForWire(data: Uint8Array, totalBytes: number, maxBytes: number): RecordDataForWire {
  const shown = data.length > maxBytes ? data.subarray(0, maxBytes) : data;
  const truncated = totalBytes > shown.length;
  return { bytes: totalBytes, truncated, dataBase64: Buffer.from(shown.buffer, shown.byteOffset, shown.length).toString('base64'), text: utf8TextOrNull(shown, truncated) };
}

export const recordDataProperties = {
  bytes: { type: 'integer' },
  truncated: { type: 'boolean' },
  dataBase64: { type: 'string' },
  text: { type: ['string', 'null'] },
} as const;

export const recordDataRequired = ['bytes', 'truncated', 'dataBase64', 'text'] as const;
