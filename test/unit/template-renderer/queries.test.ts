import { expect } from 'chai';
import {
  aggregateStatus,
  parseServiceQuery,
  serviceKey,
  toServiceEntries,
} from '../../../template-renderer/queries/service.js';
import { toCatalogServices } from '../../../template-renderer/queries/services.js';
import { kvKeyQuery, kvListQuery, toKeyPairs } from '../../../template-renderer/queries/kv.js';
import { nodesQuery } from '../../../template-renderer/queries/nodes.js';
import type { ConsulHealthEntry } from '../../../common/consul/types.js';

function entry(id: string, node: string, addr: string, statuses: string[]): ConsulHealthEntry {
  return {
    Node: { Node: node, Address: '192.168.0.1' },
    Service: { ID: id, Service: 'web', Tags: ['b', 'a'], Meta: null, Port: 80, Address: addr },
    Checks: statuses.map((Status, i) => ({
      Node: node,
      CheckID: `c${i}`,
      Name: `c${i}`,
      Status,
      ServiceID: id,
      ServiceName: 'web',
    })),
  };
}

describe('service query', () => {
  it('parses consul-template syntax tag.name@dc~near|filter', () => {
    expect(parseServiceQuery('v2.web@dc1~_agent|passing,warning')).to.deep.equal({
      name: 'web',
      tag: 'v2',
      dc: 'dc1',
      near: '_agent',
      statuses: ['passing', 'warning'],
    });
    expect(parseServiceQuery('web')).to.deep.include({ name: 'web', statuses: undefined });
  });

  it('takes odd catalog names and name= literally', () => {
    expect(parseServiceQuery('we b').name).to.equal('we b');
    expect(parseServiceQuery('', { name: 'my.svc' })).to.deep.include({
      name: 'my.svc',
      tag: undefined,
    });
  });

  it('lets hash options override the text', () => {
    const q = parseServiceQuery('web', { tag: 'v2', status: 'any', dc: 'east' });
    expect(q).to.deep.include({ tag: 'v2', dc: 'east', statuses: ['any'] });
  });

  it('rejects bad queries and statuses', () => {
    expect(() => parseServiceQuery('web|bogus')).to.throw(/unknown status/);
    expect(() => parseServiceQuery('web@@x')).to.throw(/invalid query/);
    expect(() => parseServiceQuery('')).to.throw(/invalid query/);
    expect(() => parseServiceQuery('web|any,passing')).to.throw(/any/);
  });

  it('gives equal queries one canonical key', () => {
    const a = serviceKey(parseServiceQuery('web|warning,passing'));
    const b = serviceKey(parseServiceQuery('web', { status: 'passing, warning' }));
    expect(a).to.equal(b).and.equal('health.service(web|passing,warning)');
    expect(serviceKey(parseServiceQuery('v2.web@dc1'))).to.equal('health.service(v2.web@dc1)');
  });

  it('aggregates check status like consul-template', () => {
    expect(aggregateStatus([])).to.equal('passing');
    expect(aggregateStatus([{ Status: 'passing' }, { Status: 'warning' }] as never)).to.equal(
      'warning',
    );
    expect(aggregateStatus([{ Status: 'warning' }, { Status: 'critical' }] as never)).to.equal(
      'critical',
    );
  });

  it('maps entries: node address fallback, sorted tags, sorted by node then ID, status filter', () => {
    const raw = [
      entry('w2', 'n2', '', ['passing']),
      entry('w1', 'n2', '10.0.0.1', ['passing']),
      entry('w3', 'n1', '10.0.0.3', ['warning']),
      entry('w4', 'n1', '10.0.0.4', ['critical']),
    ];
    const all = toServiceEntries(raw, ['any']);
    expect(all.map((e) => e.ID)).to.deep.equal(['w3', 'w4', 'w1', 'w2']);
    expect(all[3]).to.deep.include({
      Address: '192.168.0.1',
      NodeAddress: '192.168.0.1',
      Tags: ['a', 'b'],
    });
    expect(toServiceEntries(raw, ['passing', 'warning']).map((e) => e.ID)).to.deep.equal([
      'w3',
      'w1',
      'w2',
    ]);
    expect(toServiceEntries(raw, undefined).map((e) => e.Status)).to.include('critical'); // Consul filters
  });
});

describe('other queries', () => {
  it('sorts catalog services and their tags', () => {
    expect(toCatalogServices({ web: ['z', 'a', 'a'], api: null as never })).to.deep.equal([
      { Name: 'api', Tags: [] },
      { Name: 'web', Tags: ['a', 'z'] },
    ]);
  });

  it('has canonical keys', () => {
    expect(kvKeyQuery('/app/x@dc2').key).to.equal('kv.block(app/x@dc2)');
    expect(kvListQuery('app', false).key).to.equal('kv.list(app)');
    expect(kvListQuery('app', true).key).to.equal('kv.tree(app)');
    expect(nodesQuery('@dc1~n1').key).to.equal('catalog.nodes(@dc1~n1)');
  });

  it('lists direct children for ls and everything for tree, without folders', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    const raw = [
      { Key: 'app/', Value: null, Flags: 0, CreateIndex: 1, ModifyIndex: 1 },
      { Key: 'app/b', Value: b64('2'), Flags: 0, CreateIndex: 1, ModifyIndex: 1 },
      { Key: 'app/a', Value: b64('1'), Flags: 0, CreateIndex: 1, ModifyIndex: 1 },
      { Key: 'app/sub/c', Value: b64('3'), Flags: 0, CreateIndex: 1, ModifyIndex: 1 },
    ];
    expect(toKeyPairs(raw, 'app/', false).map((p) => [p.Key, p.Value])).to.deep.equal([
      ['a', '1'],
      ['b', '2'],
    ]);
    expect(toKeyPairs(raw, 'app/', true).map((p) => p.Key)).to.deep.equal(['a', 'b', 'sub/c']);
  });
});
