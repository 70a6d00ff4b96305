// Prints SDK answers the way the aws CLI (v2) does: 4-space indented JSON, blobs in base64, timestamps in
// ISO 8601 with a +00:00 offset, and no response metadata.

function isoTimestamp(date: Date): string {
  const iso = date.toISOString(); // 2026-11-25T17:45:56.123Z
  const ms = date.getUTCMilliseconds();
  return ms === 0 ? `${iso.slice(0, 19)}+00:00` : `${iso.slice(0, 19)}.${String(ms).padStart(3, '0')}000+00:00`;
}

export function toAwsCliJson(value: unknown): unknown {
  if (value instanceof Date) return isoTimestamp(value);
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toAwsCliJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$metadata' || v === undefined) continue;
      out[k] = toAwsCliJson(v);
    }
    return out;
  }
  return value;
}

export const formatAwsCliJson = (value: unknown): string => `${JSON.stringify(toAwsCliJson(value), null, 4)}\n`;
