/**
 * Connection limits by client address, as Kafka's ConnectionQuotas applies them on accept:
 *
 *   max.connections.per.ip             connections one address may hold open at once (all
 *                                      listeners together); the next is closed as it arrives
 *   max.connections.per.ip.overrides   exceptions, "host:count,host:count" (an address, or a
 *                                      name resolved at start-up; 0 refuses the address)
 *
 *   max.connections                    connections open at once over every listener together
 *                                      (Kafka's broker-wide limit); the next is closed as it
 *                                      arrives (Kafka leaves it waiting in the accept backlog)
 *
 * A listener's own listener.name.<l>.max.connections stays with its server
 * (server.maxConnections), which closes what is past it too.
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
  private total = 0;
  /** Connections closed on arrival because their address was at its limit. */
  refused = 0;

  private constructor(
    perIp: number,
    overrides: ReadonlyMap<string, number>,
    private readonly maxTotal: number,
  ) {
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
    return new ConnectionLimits(config.values['max.connections.per.ip'], overrides, config.values['max.connections']);
  }

  /**
   * A connection from `address` arrived: null when it may stay (then counted until released),
   * otherwise the limit it is past: 'ip' (max.connections.per.ip or its override) or 'broker'
   * (max.connections).
   */
  admit(address: string): 'ip' | 'broker' | null {
    const ip = javaHost(address);
    const limit = this.overrides.get(ip) ?? this.perIp;
    const now = this.open.get(ip) ?? 0;
    if (now >= limit) {
      this.refused++;
      return 'ip';
    }
    if (this.total >= this.maxTotal) return 'broker';
    this.open.set(ip, now + 1);
    this.total++;
    return null;
  }

  release(address: string): void {
    this.total--;
    const ip = javaHost(address);
    const now = this.open.get(ip) ?? 0;
    if (now <= 1) this.open.delete(ip);
    else this.open.set(ip, now - 1);
  }
}
