// The credentials file: the AWS CLI's INI format, Eddy's own keys, and mistakes reported by line.
import { describe, expect, it } from 'vitest';
import { credentialsFromEnv, CredentialStore, parseCredentialsFile } from '../../../src/server/auth/credentials.js';

const FILE = 'creds';
const parse = (text: string) => parseCredentialsFile(text, FILE);
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected a failure');
};

describe('the credentials file', () => {
  it('reads every profile the AWS CLI would, with [profile name] headers, comments and session tokens', () => {
    const credentials = parse(`
# administrators
[default]
aws_access_key_id = AKIDADMIN
aws_secret_access_key = admin/secret+with=signs
region = eu-west-1

; a temporary key
[profile ci]
aws_access_key_id=ASIACI
aws_secret_access_key=ci-secret
aws_session_token=token-1
`);
    expect(credentials.map((c) => [c.name, c.accessKeyId, c.secretAccessKey, c.sessionToken])).toEqual([
      ['default', 'AKIDADMIN', 'admin/secret+with=signs', undefined],
      ['ci', 'ASIACI', 'ci-secret', 'token-1'],
    ]);
    expect(credentials.every((c) => c.permissions.unrestricted)).toBe(true);
  });

  it('reads a bearer token and permissions written over several indented lines', () => {
    const [producer] = parse(`[producer]
aws_access_key_id = AKIDPRODUCER
aws_secret_access_key = s
eddy_token = 0123456789abcdef0123
eddy_allow =
    kinesis:PutRecord, kinesis:PutRecords on stream/orders
    kinesis:DescribeStream* on stream/orders
`);
    expect(producer!.bearerToken).toBe('0123456789abcdef0123');
    expect(producer!.permissions.allows('kinesis:PutRecords', 'stream/orders')).toBe(true);
    expect(producer!.permissions.allows('kinesis:DescribeStreamSummary', 'stream/orders')).toBe(true);
    expect(producer!.permissions.allows('kinesis:PutRecords', 'stream/other')).toBe(false);
    expect(producer!.permissions.allows('kinesis:DeleteStream', 'stream/orders')).toBe(false);
  });

  it('accepts a profile that holds only a bearer token', () => {
    const [dashboard] = parse('[dashboard]\neddy_token = dashboard-token-0001\neddy_read_only = true\n');
    expect(dashboard!.accessKeyId).toBeUndefined();
    expect(dashboard!.permissions.readOnly).toBe(true);
  });

  it('names the file and line of a line it cannot read', () => {
    expect(failure(() => parse('[a]\naws_access_key_id = A\nthis is not a setting\n'))).toBe(
      `${FILE} line 3: expected "key = value" or "[section]", got 'this is not a setting'`,
    );
    expect(failure(() => parse('aws_access_key_id = A\n'))).toBe(`${FILE} line 1: 'aws_access_key_id' is outside any [section]`);
    expect(failure(() => parse('[a]\neddy_token = 0123456789abcdef\n[a]\n'))).toBe(`${FILE} line 3: section [a] appears twice`);
  });

  it('refuses a profile with half a key pair, or with nothing to authenticate with', () => {
    expect(failure(() => parse('[a]\naws_access_key_id = A\n'))).toBe(`${FILE} [a]: aws_access_key_id needs aws_secret_access_key`);
    expect(failure(() => parse('[a]\nregion = us-east-1\n'))).toBe(`${FILE} [a]: needs aws_access_key_id and aws_secret_access_key, or eddy_token`);
  });

  it('refuses a misspelt eddy_ setting rather than ignoring it', () => {
    expect(failure(() => parse('[a]\neddy_token = 0123456789abcdef\neddy_alow = *\n'))).toBe(
      `${FILE} line 3: unknown setting 'eddy_alow' (Eddy reads eddy_token, eddy_allow, eddy_read_only)`,
    );
  });

  it('refuses a short bearer token, or one with characters that cannot travel in a URL or subprotocol', () => {
    expect(failure(() => parse('[a]\neddy_token = short\n'))).toContain('eddy_token must be at least 16 characters');
    expect(failure(() => parse('[a]\neddy_token = has spaces in it and more\n'))).toContain('eddy_token must be at least 16 characters');
  });

  it('refuses two profiles with the same access key', () => {
    const credentials = parse('[a]\naws_access_key_id = A\naws_secret_access_key = 1\n[b]\naws_access_key_id = A\naws_secret_access_key = 2\n');
    expect(failure(() => new CredentialStore(credentials))).toBe("Profiles 'a' and 'b' have the same aws_access_key_id");
  });

  it('finds credentials by access key and by bearer token', () => {
    const store = new CredentialStore(parse('[a]\naws_access_key_id = A\naws_secret_access_key = 1\neddy_token = token-of-a-000000\n'));
    expect(store.byAccessKeyId('A')?.name).toBe('a');
    expect(store.byBearerToken('token-of-a-000000')?.name).toBe('a');
    expect(store.byBearerToken('token-of-a-000001')).toBeUndefined();
  });
});

describe('credentials from the environment', () => {
  it('takes EDDY_ACCESS_KEY_ID and EDDY_SECRET_ACCESS_KEY, never AWS_*', () => {
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S' })).toEqual([]);
    const [env] = credentialsFromEnv({ EDDY_ACCESS_KEY_ID: 'E', EDDY_SECRET_ACCESS_KEY: 'S' });
    expect([env!.name, env!.accessKeyId, env!.secretAccessKey]).toEqual(['environment', 'E', 'S']);
  });

  it('refuses one of the pair without the other', () => {
    expect(failure(() => credentialsFromEnv({ EDDY_ACCESS_KEY_ID: 'E' }))).toBe('EDDY_ACCESS_KEY_ID is set but EDDY_SECRET_ACCESS_KEY is not');
  });
});
