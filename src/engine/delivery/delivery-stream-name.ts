// Delivery stream names as Firehose takes them: 1 to 64 characters of [a-zA-Z0-9_.-]. That pattern admits
// `.` and `..`, which every tool that handles files reads as "this folder" and "the folder above", so
// Eddy refuses those two (a delivery stream's state lives in a folder named after it).

import { EddyError } from '../errors.js';
import { checkLength, Violations } from '../stream/validation.js';

export const DELIVERY_STREAM_NAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
export const MAX_DELIVERY_STREAM_NAME_LENGTH = 64;

/** Throws ValidationException, worded as Firehose words it, or InvalidArgumentException for `.` and `..`. */
export function validateDeliveryStreamName(name: string, field = 'deliveryStreamName'): void {
  const v = new Violations();
  if (typeof name !== 'string') v.add(undefined, field, 'Member must not be null').throwIfAny();
  checkLength(v, name, field, 1, MAX_DELIVERY_STREAM_NAME_LENGTH);
  if (name.length > 0 && !DELIVERY_STREAM_NAME_PATTERN.test(name)) {
    v.add(name, field, 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+');
  }
  v.throwIfAny();
  refuseReservedDeliveryStreamName(name);
}

/** `.` and `..` pass Firehose's pattern but are refused by name. */
export function refuseReservedDeliveryStreamName(name: string): void {
  if (name === '.' || name === '..') {
    throw new EddyError('InvalidArgumentException', `DeliveryStreamName '${name}' is not allowed: the names '.' and '..' are reserved.`);
  }
}
