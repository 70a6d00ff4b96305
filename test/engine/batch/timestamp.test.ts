import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseIsoUtcBytes, parseTimestamp } from '../../../src/engine/batch/timestamp.js';

describe('parseTimestamp', () => {
  it('agrees with Date.parse on UTC ISO-8601 text across centuries, leap days and fractions', () => {
    let seed = 3;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor((random() - 0.3) * 8e12);
      const iso = new Date(ms).toISOString();
      expect(parseTimestamp(iso), iso).toBe(ms);
      expect(parseTimestamp(iso.replace(/\.\d{3}Z$/, 'Z')), iso).toBe(Math.floor(ms / 1000) * 1000);
    }
    expect(parseTimestamp('2024-02-29T23:59:59.9Z')).toBe(Date.parse('2024-02-29T23:59:59.900Z'));
    expect(parseTimestamp('2024-02-29T23:59:59.98Z')).toBe(Date.parse('2024-02-29T23:59:59.980Z'));
    expect(parseTimestamp('2024-02-29T23:59:59.987654Z')).toBe(Date.parse('2024-02-29T23:59:59.987Z'));
  });

  it('reads offsets, a space separator, dates alone and epoch milliseconds', () => {
    expect(parseTimestamp('2024-01-01T02:00:00+02:00')).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(parseTimestamp('2024-01-01T00:00:00-0130')).toBe(Date.parse('2024-01-01T01:30:00Z'));
    expect(parseTimestamp('2024-01-01 12:00:00.5')).toBe(Date.parse('2024-01-01T12:00:00.500Z'));
    expect(parseTimestamp('2024-01-01')).toBe(Date.parse('2024-01-01T00:00:00Z'));
    expect(parseTimestamp('1704067200000')).toBe(1704067200000);
  });

  it('rejects text that is not a timestamp', () => {
    for (const bad of ['', 'yesterday', '2024-13-01T00:00:00Z', '2024-01-01T25:00:00Z', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:0xZ', '2024/01/01']) {
      expect(parseTimestamp(bad), bad).toBeUndefined();
    }
  });

  it('formats as ISO-8601 UTC with milliseconds', () => {
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('parseIsoUtcBytes', () => {
  it('reads UTF-8 bytes as parseTimestamp reads the text, from one minute to the next and back', () => {
    const enc = new TextEncoder();
    let seed = 11;
    const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
    let ms = Date.parse('2024-12-31T23:58:00Z');
    const texts: string[] = [];
    for (let i = 0; i < 500; i++) {
      // Mostly small steps, which stay in the minute it remembers, and now and then a jump either way.
      ms += random() < 0.05 ? Math.floor((random() - 0.5) * 1e10) : Math.floor(random() * 2000);
      texts.push(new Date(ms).toISOString());
    }
    texts.push('2024-01-01T00:00:61Z', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00.1234567890Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:00Z');
    for (const text of texts) {
      // Inside a larger buffer, as a record holds it.
      const bytes = enc.encode(`"${text}"`);
      expect(parseIsoUtcBytes(bytes, 1, bytes.length - 1), text).toBe(parseTimestamp(text) !== undefined && text.endsWith('Z') ? parseTimestamp(text) : undefined);
    }
  });
});
