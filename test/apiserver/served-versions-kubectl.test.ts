/**
 * The real kubectl (v1.32) against autoscaling/v1 served from autoscaling/v2 storage: `kubectl autoscale` posts
 * v1, `kubectl get hpa` reads the preferred v2 as a table, explain/apply/patch work in v1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTable, startStratusServer, type StratusServer } from '../e2e/harness.js';

let server: StratusServer;
before(async () => { server = await startStratusServer(); });
after(async () => { await server?.stop(); });

test('kubectl autoscale creates an HPA that kubectl get hpa shows with its TARGETS', async () => {
  await server.kubectlOk(['create', 'deployment', 'web', '--image=nginx:1']);
  assert.equal((await server.kubectlOk(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5'])).trim(), 'horizontalpodautoscaler.autoscaling/web autoscaled');

  const { headers, rows } = parseTable(await server.kubectlOk(['get', 'hpa']));
  assert.deepEqual(headers, ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
  assert.equal(rows.length, 1);
  assert.deepEqual(rows[0]!.slice(0, 5), ['web', 'Deployment/web', rows[0]![2], '1', '5']);
  assert.match(rows[0]![2]!, /^cpu: (<unknown>|\d+%)\/50%$/);

  const v2 = JSON.parse(await server.kubectlOk(['get', 'hpa', 'web', '-o', 'json']));
  assert.equal(v2.apiVersion, 'autoscaling/v2', 'v2 is the preferred version');
  assert.deepEqual(v2.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
  const v1 = JSON.parse(await server.kubectlOk(['get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json']));
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
});

test('kubectl explain, apply and patch in autoscaling/v1', async () => {
  const explained = await server.kubectlOk(['explain', 'hpa.spec', '--api-version=autoscaling/v1']);
  assert.match(explained, /VERSION:\s+v1/);
  assert.match(explained, /targetCPUUtilizationPercentage\s+<integer>/);
  assert.doesNotMatch(explained, /\bmetrics\b\s+</);
  assert.match(await server.kubectlOk(['explain', 'hpa.spec']), /metrics\s+<\[\]MetricSpec>/, 'plain explain uses the preferred v2');

  const manifest = (percent: number) => `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: applied, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  targetCPUUtilizationPercentage: ${percent}
`;
  await server.kubectlOk(['apply', '-f', '-'], { input: manifest(40) });
  assert.equal((await server.kubectlOk(['apply', '-f', '-'], { input: manifest(40) })).trim(), 'horizontalpodautoscaler.autoscaling/applied unchanged');
  await server.kubectlOk(['apply', '-f', '-'], { input: manifest(45) });
  await server.kubectlOk(['patch', 'horizontalpodautoscalers.v1.autoscaling', 'applied', '--type', 'merge', '-p', '{"spec":{"maxReplicas":4}}']);
  const v2 = JSON.parse(await server.kubectlOk(['get', 'hpa', 'applied', '-o', 'json']));
  assert.equal(v2.spec.metrics[0].resource.target.averageUtilization, 45);
  assert.equal(v2.spec.maxReplicas, 4);
});
