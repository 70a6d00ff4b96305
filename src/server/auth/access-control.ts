// Who may use the server and for what: one object per server that authenticates requests (SigV4 for the
// AWS APIs; a bearer token or SigV4 for the SQL API), checks permissions, and holds the Host/Origin policy.
//
// With credentials configured every request must prove one of them. Without, the server is open: any
// well-formed signature is accepted, as local emulators do, and it refuses to listen beyond loopback
// unless told `insecure`.

import type { FastifyInstance } from 'fastify';
import { type Clock, EddyError, systemClock } from '../../engine/index.js';
import { AwsProtocolError } from '../aws-protocol/aws-protocol-error.js';
import { type Credential, CredentialStore } from './credentials.js';
import { EDDY_SIGNING_NAME } from './eddy-actions.js';
import { HostPolicy, type HostPolicyOptions, isLoopbackHost } from './host-policy.js';
import { globToRegExp, Permissions } from './permissions.js';
import { readSignature, type SignedRequest, SigV4Verifier } from './sigv4-verifier.js';

export interface AuthOptions extends HostPolicyOptions {
  /** The credentials requests may prove; none leaves the server open (loopback only, unless `insecure`). */
  readonly credentials?: readonly Credential[];
  /** Serve without credentials on a non-loopback address too. */
  readonly insecure?: boolean;
  /** Account and region in the ARNs of AccessDeniedException messages (defaults 000000000000, us-east-1). */
  readonly accountId?: string;
  readonly region?: string;
}

/** Who made a request. */
export interface Principal {
  /** The credential's profile name, or `anonymous` on an open server. */
  readonly name: string;
  /** `arn:aws:iam::<account>:user/<name>`, as AWS names the caller in denials. */
  readonly arn: string;
  readonly permissions: Permissions;
}

/** Tokens a WebSocket upgrade may carry where browsers can put them: the query string or a subprotocol. */
export interface UpgradeTokens {
  readonly queryToken?: string;
  readonly subprotocolToken?: string;
}

const MISSING_API_CREDENTIALS =
  "Missing Authentication Token: send 'Authorization: Bearer <token>' with a token from the credentials file, or sign the request with SigV4 (service 'eddy')";
const INVALID_TOKEN = 'The security token included in the request is invalid.';

/** Why the server may not listen on `host` with these options, or undefined when it may. */
export function listenRefusal(host: string, options: Pick<AuthOptions, 'credentials' | 'insecure'>): string | undefined {
  if ((options.credentials?.length ?? 0) > 0 || options.insecure === true || isLoopbackHost(host)) return undefined;
  return (
    `Refusing to listen on ${host}: no credentials are configured, so anyone who can reach the port could read, ` +
    'write and delete streams. Configure credentials (--credentials-file, or EDDY_ACCESS_KEY_ID and ' +
    'EDDY_SECRET_ACCESS_KEY), or pass --insecure to serve without authentication anyway.'
  );
}

export class AccessControl {
  /** No credentials: signatures are checked for their shape only, and the SQL API needs no token. */
  readonly open: boolean;
  readonly hosts: HostPolicy;
  private readonly credentials: CredentialStore;
  private readonly verifier: SigV4Verifier;
  private readonly accountId: string;
  private readonly region: string;
  private readonly anonymous: Principal;

  constructor(
    private readonly options: AuthOptions = {},
    clock: Clock = systemClock,
  ) {
    this.credentials = new CredentialStore(options.credentials ?? []);
    this.open = this.credentials.size === 0;
    this.verifier = new SigV4Verifier(this.credentials, clock);
    this.hosts = new HostPolicy(options);
    this.accountId = options.accountId ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    this.anonymous = { name: 'anonymous', arn: this.userArn('anonymous'), permissions: Permissions.ALL };
  }

  /**
   * Why a request is refused for its Host (421, a name that is not the server's) or its Origin (403, a
   * page of another site), or undefined when neither is a problem.
   */
  foreignRequest(headers: SignedRequest['headers']): { readonly status: 421 | 403; readonly code: string; readonly message: string } | undefined {
    const host = headerValue(headers.host) ?? headerValue(headers[':authority']);
    const hostProblem = this.hosts.hostProblem(host);
    if (hostProblem !== undefined) return { status: 421, code: 'MisdirectedRequest', message: hostProblem };
    const originProblem = this.hosts.originProblem(headerValue(headers.origin), host);
    if (originProblem !== undefined) return { status: 403, code: 'OriginNotAllowed', message: originProblem };
    return undefined;
  }

  /** Before binding `host`: refuses a non-loopback address on an open server unless `insecure`. */
  checkListen(host: string): void {
    const refusal = listenRefusal(host, this.options);
    if (refusal !== undefined) throw new EddyError('InvalidArgumentException', refusal);
    this.hosts.noteListenHost(host);
  }

  /**
   * The caller of a Kinesis or Firehose request: the credential whose SigV4 signature for `service` the
   * request carries. An open server asks only for a well-formed signature.
   */
  authenticateAws(request: SignedRequest, service: string): Principal {
    if (this.open) {
      readSignature(request);
      return this.anonymous;
    }
    return this.principal(this.verifier.verify(request, service));
  }

  /**
   * The caller of a SQL API request or WebSocket: `Authorization: Bearer <token>`, a SigV4 signature for
   * service `eddy` (in the header or presigned), or for WebSockets a token in the query or a subprotocol.
   */
  authenticateApi(request: SignedRequest, tokens: UpgradeTokens = {}): Principal {
    if (this.open) return this.anonymous;
    const auth = request.headers.authorization;
    const header = typeof auth === 'string' ? auth : undefined;
    const bearer = header !== undefined && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
    const token = bearer ?? tokens.subprotocolToken ?? tokens.queryToken;
    if (token !== undefined) {
      const credential = this.credentials.byBearerToken(token);
      if (!credential) throw new AwsProtocolError('UnrecognizedClientException', INVALID_TOKEN);
      return this.principal(credential);
    }
    if ((header !== undefined && header !== '') || request.url.includes('X-Amz-Algorithm=')) {
      return this.principal(this.verifier.verify(request, EDDY_SIGNING_NAME));
    }
    throw new AwsProtocolError('MissingAuthenticationTokenException', MISSING_API_CREDENTIALS);
  }

  /** Throws AccessDeniedException, worded as IAM words it, unless `principal` may do `action` on `resource`. */
  authorize(principal: Principal, action: string, resource: string): void {
    if (principal.permissions.allows(action, resource)) return;
    throw new AwsProtocolError(
      'AccessDeniedException',
      `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${this.resourceArn(resource)} because no identity-based policy allows the ${action} action`,
    );
  }

  /**
   * Checks that every action a credential's permissions name matches an action that exists, so a typo
   * (`kinesis:PutRecrods`) stops start-up instead of silently allowing nothing. `known` lists the actions
   * of the services this server runs; a service it does not run (Firehose without delivery) is not checked.
   */
  checkActions(known: readonly string[]): void {
    const services = new Map<string, string[]>();
    for (const action of known) {
      const prefix = action.slice(0, action.indexOf(':')).toLowerCase();
      services.set(prefix, [...(services.get(prefix) ?? []), action]);
    }
    for (const credential of this.credentials.all) {
      for (const pattern of credential.permissions.actionPatterns) {
        if (pattern === '*') continue;
        const prefix = pattern.slice(0, pattern.indexOf(':')).toLowerCase();
        const actions = services.get(prefix);
        const where = `Credential '${credential.name}': eddy_allow`;
        if (actions === undefined) {
          if (KNOWN_SERVICES.includes(prefix)) continue;
          throw new EddyError('InvalidArgumentException', `${where}: '${pattern}' names no service of Eddy's (${KNOWN_SERVICES.join(', ')})`);
        }
        const glob = globToRegExp(pattern, 'i');
        if (!actions.some((a) => glob.test(a))) {
          throw new EddyError('InvalidArgumentException', `${where}: '${pattern}' names no action; ${prefix} actions are ${actions.join(', ')}`);
        }
      }
    }
  }

  private principal(credential: Credential): Principal {
    return { name: credential.name, arn: this.userArn(credential.name), permissions: credential.permissions };
  }

  private userArn(name: string): string {
    return `arn:aws:iam::${this.accountId}:user/${name}`;
  }

  private resourceArn(resource: string): string {
    if (resource === '*') return resource;
    const service = resource.startsWith('stream/')
      ? 'kinesis'
      : resource.startsWith('deliverystream/')
        ? 'firehose'
        : resource.startsWith('event-source-mapping/') || resource.startsWith('function/')
          ? 'lambda'
          : resource.startsWith('application/')
            ? 'kinesisanalytics'
            : 'eddy';
    return `arn:aws:${service}:${this.region}:${this.accountId}:${resource}`;
  }
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** Services whose actions a credentials file may name even when this server does not run them. */
const KNOWN_SERVICES = ['kinesis', 'firehose', 'kinesisanalytics', 'lambda', 'eddy'];

/** buildServer decorates its app with its AccessControl under this name, for the plugins it registers. */
const DECORATION = 'eddyAccessControl';

export function decorateWithAccessControl(app: FastifyInstance, access: AccessControl): void {
  app.decorate(DECORATION, access);
}

/** The server's AccessControl; a plugin registered outside buildServer gets an open one. */
export function accessControlOf(app: FastifyInstance): AccessControl {
  const found = (app as unknown as Record<string, unknown>)[DECORATION];
  return found instanceof AccessControl ? found : new AccessControl();
}
