import { ConsulClient } from '../common/consul/client.js';
import type { ConsulConfig } from '../common/consul/config.js';
import { hostPort } from './checks.js';
import type { Registry } from './registry.js';
import type { ListedService, ServiceRegistration } from './types.js';

/**
 * consulkv://host:port/prefix: as the original, one KV pair per service,
 * `<prefix>/<service name>/<service id>` = "ip:port". No checks, no metadata.
 */
export class ConsulKvRegistry implements Registry {
  readonly kind = 'consulkv';
  readonly client: ConsulClient;
  readonly prefix: string;

  constructor(config: ConsulConfig, prefix: string) {
    this.client = new ConsulClient(config);
    this.prefix = prefix.replace(/^\/+|\/+$/g, '');
  }

  get address(): string {
    return `${this.client.address}/${this.prefix}`;
  }

  key(service: ListedService): string {
    return [this.prefix, service.name, service.id].filter((p) => p !== '').join('/');
  }

  async ping(): Promise<void> {
    await this.client.leader();
  }

  async register(service: ServiceRegistration): Promise<void> {
    await this.client.kvPut(this.key(service), hostPort(service.address, service.port));
  }

  async deregister(service: ListedService): Promise<void> {
    await this.client.kvDelete(this.key(service));
  }

  async refresh(): Promise<void> {}

  async services(): Promise<ListedService[]> {
    const { data } = await this.client.kvGet(this.prefix ? `${this.prefix}/` : '', true);
    const depth = this.prefix === '' ? 0 : this.prefix.split('/').length;
    const out: ListedService[] = [];
    for (const pair of data) {
      const parts = pair.Key.split('/').slice(depth);
      if (parts.length === 2 && parts[0] && parts[1]) out.push({ name: parts[0], id: parts[1] });
    }
    return out;
  }

  async setHealth(): Promise<void> {}

  close(): void {
    this.client.close();
  }
}
