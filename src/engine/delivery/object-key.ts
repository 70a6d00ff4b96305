// Object names as Firehose writes them: `<prefix><DeliveryStreamName>-<VersionId>-yyyy-MM-dd-HH-mm-ss-<uuid><ext>`.

import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';

export function objectName(streamName: string, versionId: number, timestamp: number, zone: string, extension: string): string {
  const t = DateTime.fromMillis(timestamp, { zone }).toFormat('yyyy-MM-dd-HH-mm-ss');
  return `${streamName}-${versionId}-${t}-${randomUUID()}${extension}`;
}
