import { describe, expect, it } from 'vitest';
import { AwsProtocolError } from '../../../src/server/aws-protocol/aws-protocol-error.js';
import { blob, enumOf, integer, list, map, modelPattern, required, string, structure, timestamp, validateInput } from '../../../src/server/aws-protocol/shape.js';

const putRecords = structure({
  StreamName: string({ min: 1, max: 128, pattern: modelPattern('[a-zA-Z0-9_.-]+') }),
  Records: required(
    list(structure({ Data: required(blob()), PartitionKey: required(string({ min: 1, max: 256 })) }, { javaName: 'Entry@1' }), { min: 1, max: 500 }),
  ),
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

  it('reports a wrong JSON type as a SerializationException worded as AWS words it, naming no member', () => {
    const err = failure(() => validateInput(putRecords, { StreamName: true, Records: [] }, 'json'));
    expect(err.type).toBe('SerializationException');
    expect(err.message).toBe('class java.lang.Boolean can not be converted to an String');
  });

  it('reports the first member of the body that cannot be converted', () => {
    const shape = structure({ A: string(), B: integer() });
    expect(failure(() => validateInput(shape, { B: 'x', A: 1 }, 'json')).message).toBe('class java.lang.String can not be converted to an Integer');
    expect(failure(() => validateInput(shape, { A: 1, B: 'x' }, 'json')).message).toBe(
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    );
  });

  it('rejects data that is not base64, with the reason', () => {
    const err = failure(() => validateInput(putRecords, { Records: [{ Data: 'not base64!', PartitionKey: 'k' }] }, 'json'));
    expect(err.type).toBe('SerializationException');
    expect(err.message).toBe("'not base64!' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 11");
    expect(failure(() => validateInput(putRecords, { Records: [{ Data: '=+/=', PartitionKey: 'k' }] }, 'json')).message).toBe(
      "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='",
    );
    expect(failure(() => validateInput(putRecords, { Records: [{ Data: '+/+=', PartitionKey: 'k' }] }, 'json')).message).toBe(
      "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected",
    );
  });

  it('truncates numbers for Integer members as Java does, and floors fractions', () => {
    const shape = structure({ N: integer({ max: 100000 }) });
    expect(failure(() => validateInput(shape, { N: 100000000000 }, 'json')).message).toBe(
      "1 validation error detected: Value '2147483647' at 'n' failed to satisfy constraint: Member must have value less than or equal to 100000",
    );
    expect(validateInput(shape, { N: 2.7 }, 'json').N).toBe(2);
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

  it('judges the keys and the values of a map together, quoting the map', () => {
    const shape = structure({ Tags: map(string({ min: 1, max: 128 }), string({ min: 0, max: 3 })) });
    const err = failure(() => validateInput(shape, { Tags: { a: 'long value' } }, 'json'));
    expect(err.message).toBe(
      "1 validation error detected: Value '{a=long value}' at 'tags' failed to satisfy constraint: " +
        'Map value must satisfy constraint: [Member must have length less than or equal to 3, Member must have length greater than or equal to 0]',
    );
  });

  it('judges the members of a list of strings together, quoting the list', () => {
    const shape = structure({ Keys: list(string({ min: 1, max: 2 })) });
    expect(failure(() => validateInput(shape, { Keys: ['a', 'abc'] }, 'json')).message).toBe(
      "1 validation error detected: Value '[a, abc]' at 'keys' failed to satisfy constraint: " +
        'Member must satisfy constraint: [Member must have length less than or equal to 2, Member must have length greater than or equal to 1]',
    );
  });
});

describe('validateInput on bodies with many problems', () => {
  it('lists the first 10 problems, the list length first, quoting the list as Java prints it', () => {
    const err = failure(() => validateInput(putRecords, { Records: Array.from({ length: 501 }, () => ({ Data: '', PartitionKey: '' })) }, 'json'));
    expect(err.type).toBe('ValidationException');
    const problems = err.message.replace(/^10 validation errors detected: /, '').split('; ');
    expect(problems).toHaveLength(10);
    expect(problems[0]).toBe(`Value '[${Array.from({ length: 501 }, () => 'Entry@1').join(', ')}]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500`);
    expect(problems[9]).toBe("Value '' at 'records.9.member.partitionKey' failed to satisfy constraint: Member must have length greater than or equal to 1");
  });

  it('keeps the message bounded for a huge body of bad records', () => {
    const err = failure(() => validateInput(putRecords, { Records: Array.from({ length: 49_000 }, () => ({})) }, 'json'));
    expect(err.message).toMatch(/^10 validation errors detected: /);
    expect(err.message.length).toBeLessThan(80_000);
  });
});
