import { describe, expect, it } from 'vitest';
import { evaluatePrefix, parsePrefix } from '../../../src/engine/delivery/prefix-expression.js';
import { compileJavaDatePattern } from '../../../src/engine/expr/java-date-pattern.js';

const T = Date.UTC(2019, 7, 9, 20, 55, 9, 123); // 2019-08-09T20:55:09.123Z

describe('Java DateTimeFormatter patterns', () => {
  it('formats the common fields and quoted literals', () => {
    expect(compileJavaDatePattern("'year='yyyy'/month='MM'/day='dd'/hour='HH/")(T, 'UTC')).toBe('year=2019/month=08/day=09/hour=20/');
    expect(compileJavaDatePattern('yyyy-MM-dd HH:mm:ss.SSS')(T, 'UTC')).toBe('2019-08-09 20:55:09.123');
    expect(compileJavaDatePattern("yy/M/d/h a 'o''clock' XXX Z")(T, 'UTC')).toBe("19/8/9/8 PM o'clock Z +0000");
    expect(compileJavaDatePattern('HH xxx')(T, 'Asia/Kolkata')).toBe('02 +05:30');
  });

  it('uses the time zone it is given', () => {
    expect(compileJavaDatePattern('yyyy/MM/dd/HH')(T, 'Asia/Tokyo')).toBe('2019/08/10/05');
  });

  it('rejects letters it does not know and unterminated quotes, naming the pattern', () => {
    expect(() => compileJavaDatePattern('yyyy/qq')).toThrow(/Invalid timestamp pattern 'yyyy\/qq'.*'q'/);
    expect(() => compileJavaDatePattern("'open")).toThrow(/unterminated quote/);
  });
});

describe('prefix expressions', () => {
  it('evaluates every timestamp expression at the same instant', () => {
    const p = parsePrefix('Prefix', 'logs/!{timestamp:yyyy}/!{timestamp:MM}/x-!{timestamp:yyyy}/');
    expect(evaluatePrefix(p, { timestamp: T, zone: 'UTC' })).toBe('logs/2019/08/x-2019/');
  });

  it('makes a new 11-character random string at each occurrence', () => {
    const p = parsePrefix('Prefix', '!{firehose:random-string}/!{firehose:random-string}/');
    const [a, b] = evaluatePrefix(p, { timestamp: T, zone: 'UTC' }).split('/');
    expect(a).toMatch(/^[A-Za-z0-9]{11}$/);
    expect(b).toMatch(/^[A-Za-z0-9]{11}$/);
    expect(a).not.toBe(b);
  });

  it('fills in the error output type and partition keys', () => {
    const e = parsePrefix('ErrorOutputPrefix', 'err/!{firehose:error-output-type}/');
    expect(evaluatePrefix(e, { timestamp: T, zone: 'UTC', errorOutputType: 'format-conversion-failed' })).toBe('err/format-conversion-failed/');
    const p = parsePrefix('Prefix', 'customer_id=!{partitionKeyFromQuery:customer_id}/');
    expect(evaluatePrefix(p, { timestamp: T, zone: 'UTC', partitionKeys: { customer_id: '42' } })).toBe('customer_id=42/');
  });

  it('encodes partition key values so they stay one harmless path segment', () => {
    const p = parsePrefix('Prefix', 'k=!{partitionKeyFromQuery:k}/');
    const ev = (v: string) => evaluatePrefix(p, { timestamp: T, zone: 'UTC', partitionKeys: { k: v } });
    expect(ev('../../etc')).toBe('k=..%2F..%2Fetc/');
    expect(ev('..')).toBe('k=%2E%2E/');
    expect(ev('a\\b')).toBe('k=a%5Cb/');
    expect(ev('')).toBe('k=%EMPTY/');
  });

  it('refuses malformed expressions and unknown namespaces, naming the prefix', () => {
    expect(() => parsePrefix('Prefix', 'a/!{timestamp:yyyy')).toThrow(/Prefix 'a\/!\{timestamp:yyyy' .*no closing/);
    expect(() => parsePrefix('Prefix', '!{foo:bar}')).toThrow(/unknown namespace 'foo'/);
    expect(() => parsePrefix('Prefix', '!{firehose:nope}')).toThrow(/random-string and error-output-type/);
    expect(() => parsePrefix('Prefix', '!{timestamp}')).toThrow(/!\{namespace:value\}/);
    expect(() => parsePrefix('Prefix', '!{timestamp:!{x:y}}')).toThrow(/nested/);
  });

  it('refuses prefixes that could leave the bucket directory', () => {
    expect(() => parsePrefix('Prefix', '../up/')).toThrow(/'\.\.' path segment/);
    expect(() => parsePrefix('Prefix', '/abs/')).toThrow(/absolute path/);
    expect(() => parsePrefix('Prefix', 'a\\b/')).toThrow(/U\+005C/);
    expect(() => parsePrefix('Prefix', "!{timestamp:'../'yyyy}")).toThrow(/'\.\.' path segment/);
  });
});
