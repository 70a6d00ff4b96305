// What one credential may do, in the spirit of an IAM identity policy: a list of statements, each allowing
// some actions (`kinesis:PutRecord`, `kinesis:Describe*`, `eddy:Select`) on some resources (`stream/orders`,
// `deliverystream/*`, `*`). Everything not allowed is denied. Written in the credentials file as
//
//   eddy_allow = kinesis:PutRecord, kinesis:PutRecords on stream/orders
//   eddy_read_only = true
//
// (more statements on indented lines below `eddy_allow =`). A credential with neither key may do anything.

import { EddyError } from '../../engine/index.js';

/**
 * Actions that change nothing: reading records, describing and listing, watching query results and
 * starting SELECTs (which read a stream and write nowhere). `eddy_read_only = true` allows only these.
 */
export const READ_ONLY_ACTIONS: readonly string[] = [
  'kinesis:Describe*',
  'kinesis:List*',
  'kinesis:Get*',
  'kinesis:SubscribeToShard',
  'firehose:Describe*',
  'firehose:List*',
  'kinesisanalytics:Describe*',
  'kinesisanalytics:List*',
  'eddy:Describe',
  'eddy:Select',
  'eddy:ReadQueryResults',
  'lambda:Get*',
  'lambda:List*',
];

/** Resource kinds a statement may name after `on` (`*` stands for any resource). */
const RESOURCE_KINDS = ['stream', 'deliverystream', 'application', 'query', 'consumer-group', 'function', 'event-source-mapping'] as const;

const ACTION_PATTERN = /^[a-z][a-z0-9-]*:[a-z0-9*?]+$/i;

/** `*` matches any run of characters (slashes included, as in IAM), `?` any one character. */
export function globToRegExp(glob: string, flags = ''): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

interface Statement {
  readonly actions: readonly RegExp[];
  readonly resources: readonly RegExp[];
}

const READ_ONLY = READ_ONLY_ACTIONS.map((a) => globToRegExp(a, 'i'));

export class Permissions {
  /** Allows every action on every resource: a credential without `eddy_allow` or `eddy_read_only`. */
  static readonly ALL = new Permissions(undefined, false, []);

  private constructor(
    /** undefined: no allow list, so any action passes this part of the check. */
    private readonly statements: readonly Statement[] | undefined,
    readonly readOnly: boolean,
    /** The action patterns as written, for checking each names an action that exists. */
    readonly actionPatterns: readonly string[],
  ) {}

  /**
   * Reads `eddy_allow` (statements one per line: `<actions> [on <resources>]`, comma-separated lists) and
   * `eddy_read_only`. `where` names the profile in error messages.
   */
  static parse(allow: string | undefined, readOnly: boolean, where: string): Permissions {
    if (allow === undefined) return readOnly ? new Permissions(undefined, true, []) : Permissions.ALL;
    const fail = (message: string): never => {
      throw new EddyError('InvalidArgumentException', `${where}: eddy_allow: ${message}`);
    };
    const statements: Statement[] = [];
    const patterns: string[] = [];
    for (const line of allow.split('\n')) {
      const text = line.trim();
      if (text === '') continue;
      const on = /\s+on\s+/i.exec(text);
      const actionText = on ? text.slice(0, on.index) : text;
      const resourceText = on ? text.slice(on.index + on[0].length) : '*';
      const actions = splitList(actionText);
      const resources = splitList(resourceText);
      if (actions.length === 0) fail(`'${text}' names no action; write e.g. kinesis:PutRecord on stream/orders`);
      if (resources.length === 0) fail(`'${text}' names no resource after 'on'`);
      for (const action of actions) {
        if (action !== '*' && !ACTION_PATTERN.test(action)) fail(`'${action}' is not an action; actions look like kinesis:PutRecord, kinesis:Describe* or *`);
      }
      statements.push({
        actions: actions.map((a) => globToRegExp(a, 'i')),
        resources: resources.map((r) => globToRegExp(resourcePattern(r, fail))),
      });
      patterns.push(...actions);
    }
    if (statements.length === 0) fail('no statements; write e.g. eddy_allow = kinesis:PutRecord on stream/orders');
    return new Permissions(statements, readOnly, patterns);
  }

  /** True when this credential may do anything, so no resource needs to be worked out for it. */
  get unrestricted(): boolean {
    return this.statements === undefined && !this.readOnly;
  }

  /** `resource` is `stream/<name>`, `stream/<name>/consumer/<name>:<time>`, `deliverystream/<name>`, `query/<id>` or `*`. */
  allows(action: string, resource: string): boolean {
    if (this.readOnly && !READ_ONLY.some((r) => r.test(action))) return false;
    if (this.statements === undefined) return true;
    return this.statements.some((s) => s.actions.some((a) => a.test(action)) && s.resources.some((r) => r.test(resource)));
  }
}

const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** A resource as written: `*`, `stream/<glob>`, … or a whole ARN, whose region and account are not compared. */
function resourcePattern(text: string, fail: (message: string) => never): string {
  if (text === '*') return text;
  const resource = text.startsWith('arn:') ? text.split(':').slice(5).join(':') : text;
  const kind = resource.split('/')[0]!;
  if (!(RESOURCE_KINDS as readonly string[]).includes(kind) || resource.length <= kind.length + 1) {
    fail(`'${text}' is not a resource; resources look like stream/orders, stream/orders-*, deliverystream/<name>, query/<id>, consumer-group/<name>, function/<name>, event-source-mapping/<uuid> or *`);
  }
  return resource;
}
