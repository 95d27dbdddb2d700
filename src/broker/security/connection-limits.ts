/**
 * Connection limits by client address, as Kafka's ConnectionQuotas applies them on accept:
 *
 *   max.connections.per.ip             connections one address may hold open at once (all
 *                                      listeners together); the next is closed as it arrives
 *   max.connections.per.ip.overrides   exceptions, "host:count,host:count" (an address, or a
 *                                      name resolved at start-up; 0 refuses the address)
 *
 * The broker-wide `max.connections` stays with each listener's server (server.maxConnections),
 * which also closes what is past it.
 *
 * Main thread.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ConfigError } from '../config/errors.js';
import type { BrokerConfig } from '../config/load.js';
import { javaHost } from './authorizer.js';

export class ConnectionLimits {
  private readonly perIp: number;
  private readonly overrides: ReadonlyMap<string, number>;
  private readonly open = new Map<string, number>();
  /** Connections closed on arrival because their address was at its limit. */
  refused = 0;

  private constructor(perIp: number, overrides: ReadonlyMap<string, number>) {
    this.perIp = perIp;
    this.overrides = overrides;
  }

  /** Reads the limits; names in the overrides are resolved to addresses. Throws ConfigError on a bad override. */
  static async fromConfig(config: BrokerConfig): Promise<ConnectionLimits> {
    const text = config.values['max.connections.per.ip.overrides'];
    const overrides = new Map<string, number>();
    for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const at = item.lastIndexOf(':');
      const host = at > 0 ? item.slice(0, at).replace(/^\[|\]$/g, '') : '';
      const count = at > 0 ? item.slice(at + 1) : '';
      if (host === '' || !/^\d+$/.test(count)) {
        throw new ConfigError(`Invalid value '${text}' for 'max.connections.per.ip.overrides': '${item}' is not host:count.`, { key: 'max.connections.per.ip.overrides' });
      }
      let addresses: string[];
      if (isIP(host)) addresses = [host];
      else {
        try {
          addresses = (await lookup(host, { all: true })).map((a) => a.address);
        } catch (e) {
          throw new ConfigError(`Invalid value '${text}' for 'max.connections.per.ip.overrides': ${host} does not resolve (${(e as Error).message}).`, { key: 'max.connections.per.ip.overrides' });
        }
      }
      for (const a of addresses) overrides.set(javaHost(a), Number(count));
    }
    return new ConnectionLimits(config.values['max.connections.per.ip'], overrides);
  }

  /** A connection from `address` arrived: whether it may stay (then counted until released). */
  admit(address: string): boolean {
    const ip = javaHost(address);
    const limit = this.overrides.get(ip) ?? this.perIp;
    const now = this.open.get(ip) ?? 0;
    if (now >= limit) {
      this.refused++;
      return false;
    }
    this.open.set(ip, now + 1);
    return true;
  }

  release(address: string): void {
    const ip = javaHost(address);
    const now = this.open.get(ip) ?? 0;
    if (now <= 1) this.open.delete(ip);
    else this.open.set(ip, now - 1);
  }
}
