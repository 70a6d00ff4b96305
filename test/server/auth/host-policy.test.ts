// Host and Origin: the server answers its own names and its own pages, so a rebound DNS name or another
// site's page cannot use it through a visitor's browser.
import { describe, expect, it } from 'vitest';
import { HostPolicy, isLoopbackHost } from '../../../src/server/auth/host-policy.js';

describe('Host', () => {
  it('accepts localhost and IP addresses, which cannot be rebound, with or without a port', () => {
    const hosts = new HostPolicy();
    for (const host of ['localhost:4567', 'LOCALHOST', '127.0.0.1:4567', '[::1]:4567', '10.1.2.3', 'localhost.:4567']) {
      expect(hosts.hostProblem(host), host).toBeUndefined();
    }
  });

  it('refuses any other name, and says how to allow it', () => {
    expect(new HostPolicy().hostProblem('evil.example:4567')).toBe(
      "Host 'evil.example:4567' is not a name of this server; it answers localhost, its IP addresses and no other names (add names with --allowed-hosts)",
    );
  });

  it('accepts the name the server listens on, and the names and domains it is given', () => {
    const hosts = new HostPolicy({ allowedHosts: ['eddy.internal', '.example.com'] });
    hosts.noteListenHost('my-box.lan');
    for (const host of ['eddy.internal:4567', 'example.com', 'a.b.example.com', 'my-box.lan']) expect(hosts.hostProblem(host), host).toBeUndefined();
    expect(hosts.hostProblem('example.com.evil.example')).toBeDefined();
    expect(hosts.hostProblem('notexample.com')).toBeDefined();
  });

  it('accepts any name when told *', () => {
    expect(new HostPolicy({ allowedHosts: ['*'] }).hostProblem('anything.example')).toBeUndefined();
  });
});

describe('Origin', () => {
  it('accepts requests without an Origin (not a browser) and from the server’s own origin', () => {
    const hosts = new HostPolicy();
    expect(hosts.originProblem(undefined, 'localhost:4567')).toBeUndefined();
    expect(hosts.originProblem('http://localhost:4567', 'localhost:4567')).toBeUndefined();
    expect(hosts.originProblem('https://localhost', 'localhost:443')).toBeUndefined();
  });

  it('refuses another site’s page, another port on the same host, and the opaque origin', () => {
    const hosts = new HostPolicy();
    expect(hosts.originProblem('https://evil.example', 'localhost:4567')).toBe("Origin 'https://evil.example' may not use this server (add it with --allowed-origins)");
    expect(hosts.originProblem('http://localhost:3000', 'localhost:4567')).toBeDefined();
    expect(hosts.originProblem('null', 'localhost:4567')).toBeDefined();
  });

  it('accepts the origins it is given', () => {
    const hosts = new HostPolicy({ allowedOrigins: ['http://localhost:3000', 'HTTPS://Dashboard.Example.com:443'] });
    expect(hosts.originProblem('http://localhost:3000', 'localhost:4567')).toBeUndefined();
    expect(hosts.originProblem('https://dashboard.example.com', 'localhost:4567')).toBeUndefined();
  });
});

describe('loopback addresses', () => {
  it('are localhost, 127.0.0.0/8 and ::1; anything else is reachable from elsewhere', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'my-box.lan']) expect(isLoopbackHost(host), host).toBe(false);
  });
});
