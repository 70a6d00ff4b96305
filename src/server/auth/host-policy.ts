// Which Host and Origin headers the server answers. A web page can make a browser send requests to a
// server on the visitor's machine by pointing its own DNS name at 127.0.0.1 (DNS rebinding); the browser
// then sends that name as Host and treats the answers as the page's own. Answering only Host names that
// are the server's own stops that; checking Origin stops other sites' pages from opening WebSockets (which
// browsers do not restrict across origins) or sending requests on a visitor's behalf.

import { isIP } from 'node:net';
import { hostname as machineName } from 'node:os';

export interface HostPolicyOptions {
  /**
   * Host names clients may use besides `localhost`, IP addresses and the name the server listens on:
   * `eddy.internal`, `.example.com` (the domain and its subdomains), or `*` for any (behind a proxy that
   * checks names itself).
   */
  readonly allowedHosts?: readonly string[];
  /** Origins (`https://dashboard.example.com`) whose pages may call the server besides its own; `*` for any. */
  readonly allowedOrigins?: readonly string[];
}

/** The host part of a Host header or URL authority: lowercase, without port, brackets or a trailing dot. */
export function hostName(authority: string): string {
  let host = authority.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    host = end < 0 ? host.slice(1) : host.slice(1, end);
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && host.indexOf(':') === colon) host = host.slice(0, colon);
  }
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

/** True for `localhost` and addresses in 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host);
  if (name === 'localhost' || name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  const v4 = name.startsWith('::ffff:') ? name.slice(7) : name;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

const isWildcard = (host: string): boolean => {
  const name = hostName(host);
  return name === '0.0.0.0' || name === '::' || name === '0:0:0:0:0:0:0:0';
};

/** An origin in the form browsers send it: scheme://host[:port], lowercase, default port left out. */
function normaliseOrigin(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? undefined : url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

function hostWithScheme(protocol: string, authority: string): string | undefined {
  try {
    return new URL(`${protocol}//${authority.trim().toLowerCase()}`).host;
  } catch {
    return undefined;
  }
}

export class HostPolicy {
  private readonly names = new Set<string>(['localhost']);
  private readonly domains: string[] = [];
  private readonly anyHost: boolean;
  private readonly origins: Set<string>;
  private readonly anyOrigin: boolean;

  constructor(options: HostPolicyOptions = {}) {
    let anyHost = false;
    for (const entry of options.allowedHosts ?? []) {
      const name = entry.trim().toLowerCase();
      if (name === '*') anyHost = true;
      else if (name.startsWith('.')) this.domains.push(name);
      else if (name !== '') this.names.add(hostName(name));
    }
    this.anyHost = anyHost;
    const origins = (options.allowedOrigins ?? []).map((o) => o.trim()).filter((o) => o !== '');
    this.anyOrigin = origins.includes('*');
    this.origins = new Set(origins.filter((o) => o !== '*').map((o) => normaliseOrigin(o) ?? o.toLowerCase()));
  }

  /** The server is about to listen on `host`: the name it was given is one of its own, and on every interface so is the machine's. */
  noteListenHost(host: string): void {
    if (isWildcard(host)) this.names.add(machineName().toLowerCase());
    else if (isIP(hostName(host)) === 0) this.names.add(hostName(host));
  }

  /** Why a request with this Host (or :authority) is refused, or undefined when it is the server's. */
  hostProblem(authority: string | undefined): string | undefined {
    // HTTP/1.0 clients may send no Host; browsers always send one.
    if (authority === undefined || this.anyHost) return undefined;
    const name = hostName(authority);
    // An IP address cannot be rebound: a page can only reach it under its own origin, the address itself.
    if (isIP(name) !== 0 || this.names.has(name)) return undefined;
    if (this.domains.some((d) => name.endsWith(d) || name === d.slice(1))) return undefined;
    return `Host '${authority}' is not a name of this server; it answers localhost, its IP addresses and ${
      [...this.names].filter((n) => n !== 'localhost').map((n) => `'${n}'`).join(', ') || 'no other names'
    } (add names with --allowed-hosts)`;
  }

  /**
   * Why a request from a page of this Origin is refused, or undefined when it is allowed: no Origin (not a
   * browser), the server's own origin (the request's Host), or one of the allowed origins.
   */
  originProblem(origin: string | undefined, authority: string | undefined): string | undefined {
    if (origin === undefined || this.anyOrigin) return undefined;
    const normalised = normaliseOrigin(origin);
    if (normalised !== undefined) {
      if (this.origins.has(normalised)) return undefined;
      // The origin's scheme decides its default port, so the Host is read as that scheme would send it.
      const url = new URL(normalised);
      if (authority !== undefined && url.host === hostWithScheme(url.protocol, authority)) return undefined;
    }
    return `Origin '${origin}' may not use this server (add it with --allowed-origins)`;
  }
}
