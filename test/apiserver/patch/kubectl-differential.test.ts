/**
 * Differential tests: the same object and patch through our engines (with the real generated OpenAPI
 * definitions) and through the real kubectl's Go implementation (`kubectl patch --local`, which needs no server).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definition, resolve } from '../../../src/api/schema/index.js';
import { strategicMerge } from '../../../src/apiserver/patch/strategic-merge-patch.js';
import { applyMergePatch } from '../../../src/apiserver/patch/merge-patch.js';
import { applyJsonPatch } from '../../../src/apiserver/patch/json-patch.js';
import { PatchError } from '../../../src/apiserver/patch/patch-error.js';

const KUBECTL = '/usr/bin/kubectl';
type Obj = Record<string, unknown>;

const deployment: Obj = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, finalizers: ['a.example.com/x', 'b.example.com/y'] },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' }, annotations: { a: '1' } },
      spec: {
        containers: [
          {
            name: 'web', image: 'nginx:1', args: ['-a', '-b'],
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }, { name: 'C', value: '3' }],
            ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 443, protocol: 'TCP' }],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            resources: { limits: { cpu: '1' } },
          },
          { name: 'side', image: 'envoy:1' },
        ],
        initContainers: [{ name: 'init', image: 'busybox' }],
        volumes: [{ name: 'data', hostPath: { path: '/srv' } }, { name: 'cfg', configMap: { name: 'cfg' } }],
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
        nodeSelector: { disk: 'ssd' },
      },
    },
  },
};

const service: Obj = {
  apiVersion: 'v1', kind: 'Service',
  metadata: { name: 'svc' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }] },
};

const podSpec = (p: Obj) => ({ spec: { template: { spec: p } } });

const strategicCases: Array<[string, Obj, Obj]> = [
  ['change image', deployment, podSpec({ containers: [{ name: 'web', image: 'nginx:2' }] })],
  ['add container', deployment, podSpec({ containers: [{ name: 'new', image: 'x' }] })],
  ['add two containers', deployment, podSpec({ containers: [{ name: 'n2', image: 'x' }, { name: 'web', image: 'y' }, { name: 'n1', image: 'z' }] })],
  ['delete container', deployment, podSpec({ containers: [{ name: 'side', $patch: 'delete' }] })],
  ['replace containers', deployment, podSpec({ containers: [{ name: 'only', image: 'o' }, { $patch: 'replace' }] })],
  ['delete env var', deployment, podSpec({ containers: [{ name: 'web', env: [{ name: 'B', $patch: 'delete' }] }] })],
  ['add and update env', deployment, podSpec({ containers: [{ name: 'web', env: [{ name: 'D', value: '4' }, { name: 'A', value: 'x' }] }] })],
  ['kubectl apply patch with $setElementOrder', deployment, podSpec({
    '$setElementOrder/containers': [{ name: 'side' }, { name: 'web' }],
    containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'C' }, { name: 'A' }], env: [{ name: 'B', $patch: 'delete' }], image: 'nginx:3' }],
  })],
  ['$setElementOrder adding at the end', deployment, podSpec({
    '$setElementOrder/containers': [{ name: 'web' }, { name: 'side' }, { name: 'third' }], containers: [{ name: 'third', image: 't' }],
  })],
  ['ports by containerPort', deployment, podSpec({ containers: [{ name: 'web', ports: [{ containerPort: 443, name: 'tls' }, { containerPort: 8080 }] }] })],
  ['tolerations replaced', deployment, podSpec({ tolerations: [{ key: 'other', operator: 'Exists' }] })],
  ['args replaced', deployment, podSpec({ containers: [{ name: 'web', args: ['-c'] }] })],
  ['volumes retainKeys', deployment, podSpec({ volumes: [{ name: 'data', $retainKeys: ['emptyDir', 'name'], emptyDir: {} }] })],
  ['strategy retainKeys', deployment, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }],
  ['strategy without retainKeys', deployment, { spec: { strategy: { type: 'Recreate' } } }],
  ['labels merge and delete', deployment, { metadata: { labels: { tier: null, track: 'x' } } }],
  ['nodeSelector replace', deployment, podSpec({ nodeSelector: { $patch: 'replace', zone: 'a' } })],
  ['finalizers set merge', deployment, { metadata: { finalizers: ['c.example.com/z', 'a.example.com/x'] } }],
  ['finalizers delete', deployment, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] } }],
  ['finalizers reorder + delete', deployment, { metadata: { '$setElementOrder/finalizers': ['b.example.com/y'], '$deleteFromPrimitiveList/finalizers': ['a.example.com/x'] } }],
  ['replicas and restartedAt', deployment, { spec: { replicas: 5, template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } } } } }],
  ['null deletes nested', deployment, podSpec({ containers: [{ name: 'web', resources: null, args: null }], initContainers: null })],
  ['map replace inside a merged element', deployment, podSpec({ containers: [{ name: 'web', resources: { $patch: 'replace', requests: { cpu: '2' } } }] })],
  ['map delete directive', deployment, { spec: { template: { metadata: { annotations: { $patch: 'delete' } } } } }],
  ['int-or-string changes type', deployment, { spec: { strategy: { rollingUpdate: { maxUnavailable: '50%', maxSurge: 2 } } } }],
  ['new nested map with nulls and directives', deployment, podSpec({ securityContext: { runAsUser: 1000, fsGroup: null }, containers: [{ name: 'side', env: [{ name: 'X', value: 'y' }, { name: 'Z', $patch: 'delete' }] }] })],
  ['finalizers order with addition', deployment, { metadata: { '$setElementOrder/finalizers': ['c.example.com/z', 'b.example.com/y', 'a.example.com/x'], finalizers: ['c.example.com/z'] } }],
  ['delete from a missing primitive list', deployment, podSpec({ containers: [{ name: 'side', '$deleteFromPrimitiveList/args': ['x'] }] })],
  ['retainKeys with a null', deployment, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } }],
  ['initContainers and containers together', deployment, podSpec({ initContainers: [{ name: 'init2', image: 'b' }], containers: [{ name: 'side', $patch: 'delete' }, { name: 'web', image: 'n' }] })],
  ['service port by port', service, { spec: { ports: [{ port: 80, targetPort: 9090 }, { port: 8000, name: 'alt', targetPort: 8000 }] } }],
  ['service delete port', service, { spec: { ports: [{ port: 443, $patch: 'delete' }] } }],
];

interface KubectlResult { ok: boolean; output: string }

function kubectlPatch(dir: string, name: string, obj: Obj, type: 'strategic' | 'merge' | 'json', patch: unknown): Promise<KubectlResult> {
  const file = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}-${type}.json`);
  writeFileSync(file, JSON.stringify(obj));
  return new Promise((done) => {
    execFile(KUBECTL, ['patch', '--local', '-f', file, '--type', type, '-p', JSON.stringify(patch), '-o', 'json'],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: '/dev/null' }, timeout: 20_000 },
      (err, stdout, stderr) => done(err ? { ok: false, output: stderr } : { ok: true, output: stdout }));
  });
}

/** Go's encoder drops empty maps and lists (omitempty); compare modulo that. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (typeof v === 'object' && v !== null) {
    const out: Obj = {};
    for (const [k, child] of Object.entries(v)) {
      const n = normalize(child);
      if (n === null || (Array.isArray(n) && n.length === 0) || (typeof n === 'object' && n !== null && !Array.isArray(n) && Object.keys(n).length === 0)) continue;
      out[k] = n;
    }
    return out;
  }
  return v;
}

const skip = existsSync(KUBECTL) ? false : `${KUBECTL} is not installed`;

test('strategic merge patch matches kubectl\'s Go implementation', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smp-diff-'));
  try {
    const results = await Promise.all(strategicCases.map(([name, obj, patch]) => kubectlPatch(dir, name, obj, 'strategic', patch)));
    strategicCases.forEach(([name, obj, patch], i) => {
      const kubectl = results[i]!;
      assert.ok(kubectl.ok, `${name}: kubectl failed: ${kubectl.output}`);
      const schema = definition(obj.kind === 'Service' ? 'io.k8s.api.core.v1.Service' : 'io.k8s.api.apps.v1.Deployment');
      const ours = strategicMerge(obj, patch, schema, resolve);
      assert.deepEqual(normalize(ours), normalize(JSON.parse(kubectl.output)), name);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('strategic merge patch rejects what kubectl rejects', { skip }, async () => {
  const bad: Array<[string, Obj]> = [
    ['missing merge key', podSpec({ containers: [{ image: 'x' }] })],
    ['unknown list directive', podSpec({ containers: [{ name: 'web', $patch: 'nope' }] })],
    ['merge directive in list', podSpec({ containers: [{ name: 'web', $patch: 'merge' }] })],
    ['retainKeys mismatch', { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: { maxSurge: 1 } } } }],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'smp-diff-'));
  try {
    const results = await Promise.all(bad.map(([name, patch]) => kubectlPatch(dir, name, deployment, 'strategic', patch)));
    bad.forEach(([name, patch], i) => {
      assert.equal(results[i]!.ok, false, `${name}: kubectl accepted it`);
      assert.throws(() => strategicMerge(deployment, patch, definition('io.k8s.api.apps.v1.Deployment'), resolve), PatchError, name);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('merge patch and JSON patch match kubectl', { skip }, async () => {
  const merges: Obj[] = [
    { spec: { replicas: 7 } },
    { metadata: { labels: { tier: null, x: 'y' } } },
    podSpec({ containers: [{ name: 'only' }] }),
  ];
  const jsons: unknown[][] = [
    [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    [{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'z', image: 'z' } }, { op: 'remove', path: '/spec/template/spec/containers/0' }],
    [{ op: 'add', path: '/metadata/annotations', value: { 'a/b': 'c' } }, { op: 'copy', from: '/metadata/annotations/a~1b', path: '/metadata/labels/copied' }],
    [{ op: 'test', path: '/spec/replicas', value: 9 }],
    [{ op: 'remove', path: '/spec/missing' }],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'patch-diff-'));
  try {
    const mergeResults = await Promise.all(merges.map((p, i) => kubectlPatch(dir, `m${i}`, deployment, 'merge', p)));
    const jsonResults = await Promise.all(jsons.map((p, i) => kubectlPatch(dir, `j${i}`, deployment, 'json', p)));
    merges.forEach((p, i) => {
      assert.deepEqual(normalize(applyMergePatch(deployment, p)), normalize(JSON.parse(mergeResults[i]!.output)), JSON.stringify(p));
    });
    jsons.forEach((p, i) => {
      const kubectl = jsonResults[i]!;
      if (!kubectl.ok) {
        assert.throws(() => applyJsonPatch(deployment, p), (e: unknown) => e instanceof PatchError && e.code === 422, JSON.stringify(p));
      } else {
        assert.deepEqual(normalize(applyJsonPatch(deployment, p)), normalize(JSON.parse(kubectl.output)), JSON.stringify(p));
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
