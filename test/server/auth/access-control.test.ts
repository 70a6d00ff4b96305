// Start-up checks of a server's credentials, and how denials are worded.
import { describe, expect, it } from 'vitest';
import { openStreamStore } from '../../../src/engine/index.js';
import { buildServer } from '../../../src/server/app.js';
import { AccessControl } from '../../../src/server/auth/access-control.js';
import { parseCredentialsFile } from '../../../src/server/auth/credentials.js';

const withAllow = (allow: string) =>
  new AccessControl({ credentials: parseCredentialsFile(`[p]\naws_access_key_id = A\naws_secret_access_key = S\neddy_allow = ${allow}\n`, 'creds') });

describe('checking credentials at start-up', () => {
  it('stops a server whose permissions name an action that does not exist', async () => {
    const store = await openStreamStore({});
    try {
      const credentials = parseCredentialsFile('[p]\naws_access_key_id = A\naws_secret_access_key = S\neddy_allow = kinesis:PutRecrods on stream/orders\n', 'creds');
      expect(() => buildServer({ store, logger: false, auth: { credentials } })).toThrow(/^Credential 'p': eddy_allow: 'kinesis:PutRecrods' names no action; kinesis actions are /);
    } finally {
      await store.close();
    }
  });

  it('accepts wildcards that match some action, and actions of a service this server does not run', () => {
    expect(() => withAllow('kinesis:Describe*, firehose:PutRecordBatch, eddy:Select').checkActions(['kinesis:DescribeStream', 'eddy:Select'])).not.toThrow();
  });

  it('refuses a service Eddy does not have', () => {
    expect(() => withAllow('s3:GetObject').checkActions(['kinesis:PutRecord'])).toThrow("Credential 'p': eddy_allow: 's3:GetObject' names no service of Eddy's (kinesis, firehose, kinesisanalytics, lambda, eddy)");
  });
});

describe('denials', () => {
  it('name the user and the resource as IAM does, with the account and region configured', () => {
    const access = new AccessControl({
      credentials: parseCredentialsFile('[dashboard]\neddy_token = dashboard-token-0001\neddy_read_only = true\n', 'creds'),
      accountId: '123456789012',
      region: 'eu-west-1',
    });
    const principal = access.authenticateApi({ method: 'GET', url: '/', headers: { authorization: 'Bearer dashboard-token-0001' }, body: Buffer.alloc(0) });
    expect(() => access.authorize(principal, 'eddy:StopQuery', 'query/q1')).toThrow(
      'User: arn:aws:iam::123456789012:user/dashboard is not authorized to perform: eddy:StopQuery on resource: arn:aws:eddy:eu-west-1:123456789012:query/q1 because no identity-based policy allows the eddy:StopQuery action',
    );
  });
});
