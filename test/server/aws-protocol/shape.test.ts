import { describe, expect, it } from 'vitest';
import { AwsProtocolError } from '../../../src/server/aws-protocol/aws-protocol-error.js';
import { blob, enumOf, integer, list, map, required, string, structure, timestamp, validateInput } from '../../../src/server/aws-protocol/shape.js';

const putRecords = structure({
  StreamName: string({ min: 1, max: 128, pattern: /^[a-zA-Z0-9_.-]+$/ }),
  Records: required(list(structure({ Data: required(blob()), PartitionKey: required(string({ min: 1, max: 256 })) }), { min: 1, max: 500 })),
});

function failure(run: () => unknown): AwsProtocolError {
  try {
    run();
  } catch (err) {
    if (err instanceof AwsProtocolError) return err;
    throw err;
  }
  throw new Error('expected a protocol error');
}

describe('validateInput', () => {
  it('decodes base64 blobs and keeps the other members', () => {
    const input = validateInput(putRecords, { StreamName: 's', Records: [{ Data: 'aGVsbG8=', PartitionKey: 'pk' }], Extra: 1 }, 'json');
    expect(input.StreamName).toBe('s');
    expect(Buffer.from(input.Records[0]!.Data).toString()).toBe('hello');
    expect(input).not.toHaveProperty('Extra');
  });

  it('reports a constraint violation in the AWS message shape, naming the member path', () => {
    const err = failure(() => validateInput(putRecords, { Records: [{ Data: '', PartitionKey: '' }] }, 'json'));
    expect(err.type).toBe('ValidationException');
    expect(err.message).toBe(
      "1 validation error detected: Value '' at 'records.1.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('lists every violation together', () => {
    const err = failure(() => validateInput(putRecords, { StreamName: 'bad name!' }, 'json'));
    expect(err.message).toBe(
      "2 validation errors detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
        "Value null at 'records' failed to satisfy constraint: Member must not be null",
    );
  });

  it('reports a wrong JSON type as a SerializationException', () => {
    const err = failure(() => validateInput(putRecords, { StreamName: true, Records: [] }, 'json'));
    expect(err.type).toBe('SerializationException');
    expect(err.message).toContain("BOOLEAN_VALUE can not be converted to a String (at 'streamName')");
  });

  it('rejects data that is not base64', () => {
    const err = failure(() => validateInput(putRecords, { Records: [{ Data: 'not base64!', PartitionKey: 'k' }] }, 'json'));
    expect(err.type).toBe('SerializationException');
  });

  it('checks numeric ranges and enums', () => {
    const shape = structure({ ShardCount: integer({ min: 1 }), Mode: enumOf('PROVISIONED', 'ON_DEMAND') });
    const err = failure(() => validateInput(shape, { ShardCount: 0, Mode: 'FAST' }, 'json'));
    expect(err.message).toBe(
      "2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
        "Value 'FAST' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]",
    );
  });

  it('reads JSON timestamps as epoch seconds and CBOR timestamps as epoch millis', () => {
    const shape = structure({ Timestamp: timestamp() });
    expect(validateInput(shape, { Timestamp: 1700000000.123 }, 'json').Timestamp).toBe(1700000000123);
    expect(validateInput(shape, { Timestamp: 1700000000123 }, 'cbor').Timestamp).toBe(1700000000123);
    expect(validateInput(shape, { Timestamp: new Date(5) }, 'cbor').Timestamp).toBe(5);
  });

  it('takes CBOR byte strings as blobs', () => {
    const shape = structure({ Data: blob() });
    expect(Buffer.from(validateInput(shape, { Data: Buffer.from('xy') }, 'cbor').Data!).toString()).toBe('xy');
  });

  it('validates map keys and values', () => {
    const shape = structure({ Tags: map(string({ min: 1 }), string({ max: 3 })) });
    const err = failure(() => validateInput(shape, { Tags: { a: 'long value' } }, 'json'));
    expect(err.message).toContain("at 'tags.a.member' failed to satisfy constraint: Member must have length less than or equal to 3");
  });
});

describe('validateInput on bodies with many problems', () => {
  it('lists the first 100 problems, the list length first, and stops looking', () => {
    const err = failure(() => validateInput(putRecords, { Records: Array.from({ length: 49_000 }, () => ({})) }, 'json'));
    expect(err.type).toBe('ValidationException');
    expect(err.message).toMatch(/^More than 100 validation errors detected: Value '\[\{\}, \{\}, .*…' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500; /);
    expect(err.message.split('; ')).toHaveLength(100);
    expect(err.message.length).toBeLessThan(20_000);
  });

  it('still counts every problem when there are no more than 100', () => {
    const err = failure(() => validateInput(putRecords, { Records: Array.from({ length: 50 }, () => ({})) }, 'json'));
    expect(err.message).toMatch(/^100 validation errors detected: /);
  });
});
