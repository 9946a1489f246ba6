// Where the server listens: the addresses of the bind directive (Redis's
// wildcards, '-' for an address the machine may not have), and whether
// another process holds the port already.

import net from 'node:net';
import os from 'node:os';
import { nativeAddon } from './native_addons.ts';

export interface ListenAddress {
  /** As configured, without the '-' mark: '*', '::*' or an address. */
  addr: string;
  host: string;
  /** An IPv6 address: IPv6-only, so that '*' and '::*' can both bind the port. */
  ipv6Only: boolean;
  /** '-': an address the machine may not have is skipped. */
  optional: boolean;
}

export function listenAddresses(bind: string[]): ListenAddress[] {
  return bind.map((b) => {
    const optional = b.startsWith('-');
    const addr = optional ? b.slice(1) : b;
    // Redis's wildcards: '*' every IPv4 address, '::*' every IPv6 one.
    const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
    return { addr, host, ipv6Only: host.includes(':'), optional };
  });
}

/** Redis's log lines (one per line) when an address cannot be listened on: the server then exits. */
export function tcpListenFailure(addr: string, port: number, reason: string): string {
  return `Warning: Could not create server TCP listening socket ${addr}:${port}: bind: ${reason}\nFailed listening on port ${port} (TCP), aborting.`;
}

/**
 * The server threads listen with SO_REUSEPORT, which lets them share the
 * port with any other process of the same user listening that way: a second
 * instance of this server on the same port would start, and each new
 * connection would go to one or the other. So before they listen, each
 * address is bound once without it and let go (native/src/bind_probe.c: the
 * socket never listens): the first address another process holds, or null.
 * Redis refuses a port in use the same way. Without the addon, a listener
 * opened and closed at once stands in for the probe (a connection arriving
 * in that instant would be reset).
 */
export async function addressInUse(port: number, addresses: ListenAddress[]): Promise<ListenAddress | null> {
  const addon = probeAddon();
  for (const a of addresses) {
    const inUse = addon !== null ? addon.bindProbe(a.host, port, a.ipv6Only) === -EADDRINUSE : await listenProbe(port, a);
    if (inUse) return a;
  }
  return null;
}

interface NetAddon {
  /** Bind a socket (SO_REUSEADDR, no SO_REUSEPORT) to host:port and close it: 0, or -errno. */
  bindProbe(host: string, port: number, ipv6Only: boolean): number;
}

function probeAddon(): NetAddon | null {
  return nativeAddon<NetAddon>('keydb_net');
}

const EADDRINUSE = os.constants.errno.EADDRINUSE;

function listenProbe(port: number, a: ListenAddress): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    // Anything else (an optional address this machine lacks ...) is for the threads' own listen to report.
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE'));
    probe.listen({ port, host: a.host, ipv6Only: a.ipv6Only, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}
