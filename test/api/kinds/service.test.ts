import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1.js';
import { serviceKind } from '../../../src/api/kinds/service.js';
import { endpointsKind, formatEndpoints } from '../../../src/api/kinds/endpoints.js';
import type { KubeObject } from '../../../src/api/object.js';
import { createCauses, fields, obj, row } from './helpers.js';

const now = new Date('2026-01-01T01:00:00Z');

function svc(spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject {
  return obj('v1', 'Service', status ? { spec, status } : { spec }, { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' });
}

test('service defaults', () => {
  const s = svc({ selector: { app: 'web' }, ports: [{ port: 80 }, { port: 443, targetPort: 'https', name: 'https' }] });
  s['spec'] = { ...(s['spec'] as object), ports: [{ port: 80, name: 'http' }, { port: 443, targetPort: 'https', name: 'https' }] };
  assert.deepEqual(createCauses(serviceKind, s), []);
  const spec = (s as unknown as Service).spec!;
  assert.equal(spec.type, 'ClusterIP');
  assert.equal(spec.sessionAffinity, 'None');
  assert.equal(spec.internalTrafficPolicy, 'Cluster');
  assert.deepEqual(spec.ports!.map((p) => [p.protocol, p.targetPort]), [['TCP', 80], ['TCP', 'https']]);
  assert.equal(spec.clusterIP, undefined, 'the API server allocates the cluster IP');
  assert.equal(spec.ipFamilyPolicy, 'SingleStack');
  assert.deepEqual(spec.ipFamilies, ['IPv4']);
  const ext = svc({ type: 'ExternalName', externalName: 'db.example.com' });
  serviceKind.applyDefaults(ext);
  assert.equal((ext as unknown as Service).spec!.ipFamilies, undefined);
  const np = svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
  assert.deepEqual(createCauses(serviceKind, np), []);
  assert.equal((np as unknown as Service).spec!.externalTrafficPolicy, 'Cluster');
});

test('service validation causes', () => {
  const s = svc({
    type: 'ClusterIP', clusterIP: '10.0.0.300', sessionAffinity: 'Sticky',
    ports: [{ port: 0 }, { port: 80, name: 'http', nodePort: 30000, protocol: 'HTTP' }, { port: 80, name: 'http', targetPort: 'not_valid' }],
  });
  const causes = createCauses(serviceKind, s);
  assert.deepEqual(fields(causes), [
    'spec.ports[0].name', 'spec.ports[0].port', 'spec.ports[0].targetPort',
    'spec.ports[1].protocol', 'spec.ports[1].nodePort',
    'spec.ports[2].name', 'spec.ports[2].targetPort',
    'spec.sessionAffinity', 'spec.clusterIP', 'spec.clusterIPs[0]',
  ]);
  assert.equal(causes.find((c) => c.field === 'spec.ports[1].nodePort')!.message, "Forbidden: may not be used when `type` is 'ClusterIP'");
  assert.deepEqual(fields(createCauses(serviceKind, svc({}))), ['spec.ports']);
  assert.deepEqual(createCauses(serviceKind, svc({ clusterIP: 'None' })), [], 'a headless service needs no ports');
  assert.deepEqual(fields(createCauses(serviceKind, svc({ type: 'ExternalName' }))), ['spec.externalName']);
  assert.deepEqual(createCauses(serviceKind, svc({ type: 'ExternalName', externalName: 'db.example.com' })), []);
  const dup = svc({ ports: [{ port: 80, name: 'a' }, { port: 80, name: 'b' }] });
  assert.deepEqual(fields(createCauses(serviceKind, dup)), ['spec.ports[1]']);
  const badName = obj('v1', 'Service', { spec: { ports: [{ port: 80 }] } }, { name: '1web' });
  assert.deepEqual(fields(createCauses(serviceKind, badName)), ['metadata.name'], 'service names are DNS-1035 labels');
});

test('an allocated cluster IP may not change', () => {
  const old = svc({ ports: [{ port: 80 }], clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] });
  serviceKind.applyDefaults(old);
  const same = structuredClone(old);
  assert.deepEqual(serviceKind.validate(same, old), []);
  const changed = structuredClone(old) as unknown as Service;
  changed.spec!.clusterIP = '10.96.0.11';
  changed.spec!.clusterIPs = ['10.96.0.11'];
  const causes = serviceKind.validate(changed as unknown as KubeObject, old);
  assert.deepEqual(fields(causes), ['spec.clusterIPs[0]']);
  assert.equal(causes[0]!.message, 'Invalid value: "10.96.0.11": may not change once set');
});

test('service table', () => {
  const s = svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] });
  assert.deepEqual(row(serviceKind, s, now), {
    Name: 'web', Type: 'ClusterIP', 'Cluster-IP': '10.96.0.10', 'External-IP': '<none>', 'Port(s)': '80/TCP,53/UDP', Age: '60m', Selector: 'app=web',
  });
  const np = svc({ type: 'NodePort', clusterIPs: ['10.96.0.11'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] });
  assert.deepEqual(serviceKind.table.cells(np, now).slice(1, 5), ['NodePort', '10.96.0.11', '<none>', '80:30080/TCP']);
  const lb = svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [{ port: 80, nodePort: 30081, protocol: 'TCP' }] });
  assert.equal(row(serviceKind, lb, now)['External-IP'], '<pending>');
  const lbReady = svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [] }, { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } });
  assert.deepEqual(serviceKind.table.cells(lbReady, now).slice(3, 5), ['192.0.2.1', '<none>']);
  const ext = svc({ type: 'ExternalName', externalName: 'db.example.com' });
  assert.deepEqual(serviceKind.table.cells(ext, now).slice(1, 4), ['ExternalName', '<none>', 'db.example.com']);
  const headless = svc({ clusterIP: 'None', clusterIPs: ['None'], type: 'ClusterIP' });
  assert.equal(row(serviceKind, headless, now)['Cluster-IP'], 'None');
});

test('endpoints: defaults, validation and the ENDPOINTS column', () => {
  const ep = obj('v1', 'Endpoints', {
    subsets: [{ addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }], ports: [{ port: 80 }] }, { addresses: [{ ip: '10.1.0.3' }, { ip: '10.1.0.4' }], ports: [{ port: 8080 }] }],
  }, { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' });
  assert.deepEqual(createCauses(endpointsKind, ep), []);
  assert.equal((ep['subsets'] as Array<{ ports: Array<{ protocol: string }> }>)[0]!.ports[0]!.protocol, 'TCP');
  assert.deepEqual(row(endpointsKind, ep, now), { Name: 'web', Endpoints: '10.1.0.1:80,10.1.0.2:80,10.1.0.3:8080 + 1 more...', Age: '60m' });
  assert.equal(formatEndpoints({ subsets: [] }), '<none>');
  assert.equal(formatEndpoints({ subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }] }), '[fd00::1]:80');
  const bad = obj('v1', 'Endpoints', { subsets: [{ addresses: [{ ip: 'nope' }], ports: [{ port: 0 }, { port: 81 }] }] });
  assert.deepEqual(fields(createCauses(endpointsKind, bad)), [
    'subsets[0].addresses[0].ip', 'subsets[0].ports[0].name', 'subsets[0].ports[0].port', 'subsets[0].ports[1].name',
  ]);
});
