// Permissions in the spirit of IAM identity policies: allowed actions on allowed resources, nothing else.
import { describe, expect, it } from 'vitest';
import { Permissions } from '../../../src/server/auth/permissions.js';

const allow = (text: string, readOnly = false) => Permissions.parse(text, readOnly, 'profile [p]');

describe('permissions', () => {
  it('allow everything when a credential names none', () => {
    expect(Permissions.ALL.unrestricted).toBe(true);
    expect(Permissions.ALL.allows('kinesis:DeleteStream', 'stream/orders')).toBe(true);
  });

  it('match actions case-insensitively with wildcards, and resources exactly with wildcards', () => {
    const p = allow('kinesis:put*, KINESIS:DescribeStream on stream/orders, stream/audit-*');
    expect(p.allows('kinesis:PutRecords', 'stream/orders')).toBe(true);
    expect(p.allows('kinesis:DescribeStream', 'stream/audit-2026')).toBe(true);
    expect(p.allows('kinesis:DescribeStreamSummary', 'stream/orders')).toBe(false);
    expect(p.allows('kinesis:PutRecords', 'stream/Orders')).toBe(false);
    expect(p.unrestricted).toBe(false);
  });

  it('take a statement without "on" to mean every resource', () => {
    const p = allow('kinesis:ListStreams');
    expect(p.allows('kinesis:ListStreams', '*')).toBe(true);
  });

  it('need a statement on * for actions that name no resource, as IAM does', () => {
    const p = allow('kinesis:* on stream/orders');
    expect(p.allows('kinesis:ListStreams', '*')).toBe(false);
  });

  it('read a whole ARN as its resource, whatever its region and account', () => {
    const p = allow('kinesis:PutRecord on arn:aws:kinesis:eu-west-1:123456789012:stream/orders');
    expect(p.allows('kinesis:PutRecord', 'stream/orders')).toBe(true);
  });

  it('cover a stream’s consumers only when the pattern reaches them', () => {
    const p = allow('kinesis:SubscribeToShard on stream/orders/consumer/*');
    expect(p.allows('kinesis:SubscribeToShard', 'stream/orders/consumer/c1:1764000000')).toBe(true);
    expect(p.allows('kinesis:SubscribeToShard', 'stream/other/consumer/c1:1764000000')).toBe(false);
  });

  it('allow only actions that change nothing when read-only, on any resource', () => {
    const p = Permissions.parse(undefined, true, 'profile [p]');
    expect(p.allows('kinesis:GetRecords', 'stream/orders')).toBe(true);
    expect(p.allows('kinesis:ListStreams', '*')).toBe(true);
    expect(p.allows('eddy:Select', 'stream/orders')).toBe(true);
    expect(p.allows('kinesis:PutRecord', 'stream/orders')).toBe(false);
    expect(p.allows('eddy:DropStream', 'stream/orders')).toBe(false);
    expect(p.allows('firehose:PutRecordBatch', 'deliverystream/d')).toBe(false);
  });

  it('allow only what both say when read-only and an allow list meet', () => {
    const p = allow('kinesis:* on stream/orders', true);
    expect(p.allows('kinesis:GetRecords', 'stream/orders')).toBe(true);
    expect(p.allows('kinesis:PutRecord', 'stream/orders')).toBe(false);
    expect(p.allows('kinesis:GetRecords', 'stream/other')).toBe(false);
  });

  it('refuse text that is not an action or a resource, naming it', () => {
    expect(() => allow('PutRecord on stream/orders')).toThrow(
      "profile [p]: eddy_allow: 'PutRecord' is not an action; actions look like kinesis:PutRecord, kinesis:Describe* or *",
    );
    expect(() => allow('kinesis:PutRecord on orders')).toThrow("profile [p]: eddy_allow: 'orders' is not a resource");
  });
});
