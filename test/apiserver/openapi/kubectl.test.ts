/**
 * The real kubectl (v1.32) against the OpenAPI documents, served by a minimal HTTP server in the test (just enough
 * discovery and a create endpoint): `explain` reads OpenAPI v3; `apply` relies on server-side field validation
 * when v3 declares `fieldValidation`, and otherwise parses the protobuf /openapi/v2 to validate client-side.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fieldValidationOutcome, parseFieldValidation, validateObject } from '../../../src/api/schema/validate.js';
import type { ResourceKind } from '../../../src/api/types.js';
import { OpenApiDocuments } from '../../../src/apiserver/openapi/index.js';
import { fixtureKind } from './fixture-kinds.js';

const KUBECTL = '/usr/bin/kubectl';

interface Served {
  server: Server;
  kubeconfig: string;
  requests: string[];
}

function apiServer(kinds: ResourceKind[], dir: string, name: string, options: { openApiV3: boolean }): Promise<Served> {
  const docs = new OpenApiDocuments(kinds);
  const requests: string[] = [];
  const send = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, message: string) =>
    send(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message });
  const resources = (groupVersion: string) => ({
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion,
    resources: kinds.filter((k) => (k.group ? `${k.group}/${k.version}` : k.version) === groupVersion)
      .map((k) => ({ name: k.plural, singularName: k.singular, namespaced: k.namespaced, kind: k.kind, verbs: k.verbs })),
  });
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${req.method} ${url.pathname}${url.search} accept=${req.headers.accept ?? ''}`);
    if (url.pathname.startsWith('/openapi/v3') && !options.openApiV3) return notFound(res, 'no OpenAPI v3 here');
    const answer = docs.serve({
      path: url.pathname, hash: url.searchParams.get('hash') ?? undefined,
      accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'],
    });
    if (answer) {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      return;
    }
    switch (url.pathname) {
      case '/version': return send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0', platform: 'linux/amd64' });
      case '/api': return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
      case '/apis': return send(res, 200, {
        kind: 'APIGroupList', apiVersion: 'v1',
        groups: [{ name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } }],
      });
      case '/api/v1': return send(res, 200, resources('v1'));
      case '/apis/apps/v1': return send(res, 200, resources('apps/v1'));
      default: break;
    }
    const item = /^\/apis\/apps\/v1\/namespaces\/[^/]+\/deployments\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && item) return notFound(res, `deployments.apps "${item[1]}" not found`);
    if (req.method === 'POST' && /^\/apis\/apps\/v1\/namespaces\/[^/]+\/deployments$/.test(url.pathname)) {
      const result = validateObject('io.k8s.api.apps.v1.Deployment', JSON.parse(body));
      const outcome = fieldValidationOutcome(result, 'Deployment', 'v1', parseFieldValidation(url.searchParams.get('fieldValidation') ?? undefined));
      if (outcome.error) return send(res, outcome.error.code, outcome.error.toStatus());
      return send(res, 201, { ...result.pruned, metadata: { ...result.pruned.metadata, uid: 'u-1', resourceVersion: '1' } });
    }
    notFound(res, `${req.method} ${url.pathname} is not served by this test`);
  };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    req.on('end', () => handle(req, res, body));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const kubeconfig = join(dir, `${name}.kubeconfig`);
      writeFileSync(kubeconfig, [
        'apiVersion: v1', 'kind: Config',
        `clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}"}}]`,
        'users: [{name: u, user: {}}]',
        'contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]',
        'current-context: x', '',
      ].join('\n'));
      resolve({ server, kubeconfig, requests });
    });
  });
}

function kubectl(served: Served, cacheDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', served.kubeconfig, '--cache-dir', cacheDir, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const DEPLOYMENT_WITH_TYPO = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicass: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
`;

const haveKubectl = existsSync(KUBECTL);
let dir = '';
let full: Served;
let legacy: Served;

before(async () => {
  if (!haveKubectl) return;
  dir = mkdtempSync(join(tmpdir(), 'openapi-kubectl-'));
  writeFileSync(join(dir, 'typo.yaml'), DEPLOYMENT_WITH_TYPO);
  writeFileSync(join(dir, 'good.yaml'), DEPLOYMENT_WITH_TYPO.replace('replicass', 'replicas'));
  const kinds = [
    fixtureKind('', 'v1', 'Namespace', 'namespaces', false, 'io.k8s.api.core.v1.Namespace', ['status']),
    fixtureKind('', 'v1', 'Pod', 'pods', true, 'io.k8s.api.core.v1.Pod', ['status', 'log']),
    fixtureKind('apps', 'v1', 'Deployment', 'deployments', true, 'io.k8s.api.apps.v1.Deployment', ['status', 'scale']),
  ];
  full = await apiServer(kinds, dir, 'full', { openApiV3: true });
  // No v3 and no PATCH anywhere: kubectl cannot count on server-side validation and validates with /openapi/v2.
  const noPatch = ['create', 'delete', 'get', 'list', 'update', 'watch'];
  legacy = await apiServer(kinds.map((k) => ({ ...k, verbs: noPatch, subresources: [] })), dir, 'legacy', { openApiV3: false });
});

after(() => {
  full?.server.close();
  legacy?.server.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('kubectl explain deployment.spec.strategy reads the v3 document', { skip: !haveKubectl && 'no /usr/bin/kubectl' }, async () => {
  const strategy = await kubectl(full, join(dir, 'cache-explain'), ['explain', 'deployment.spec.strategy']);
  assert.equal(strategy.code, 0, strategy.stderr);
  assert.match(strategy.stdout, /GROUP:\s+apps/);
  assert.match(strategy.stdout, /FIELD: strategy <DeploymentStrategy>/);
  assert.match(strategy.stdout, /rollingUpdate\s+<RollingUpdateDeployment>/);
  assert.match(strategy.stdout, /Type of deployment\. Can be "Recreate" or "RollingUpdate"/);
  const surge = await kubectl(full, join(dir, 'cache-explain'), ['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge']);
  assert.equal(surge.code, 0, surge.stderr);
  assert.match(surge.stdout, /FIELD: maxSurge <IntOrString>/);
  const pods = await kubectl(full, join(dir, 'cache-explain'), ['explain', 'pods.spec.containers.image']);
  assert.match(pods.stdout, /Container image name/);
  assert.ok(full.requests.some((r) => r.startsWith('GET /openapi/v3/apis/apps/v1?hash=')));
});

test('kubectl apply uses server-side field validation declared in OpenAPI v3', { skip: !haveKubectl && 'no /usr/bin/kubectl' }, async () => {
  const typo = await kubectl(full, join(dir, 'cache-apply'), ['apply', '-f', join(dir, 'typo.yaml')]);
  assert.notEqual(typo.code, 0);
  assert.match(typo.stderr, /strict decoding error: unknown field "spec\.replicass"/);
  assert.ok(full.requests.some((r) => r.startsWith('POST /apis/apps/v1/namespaces/default/deployments?') && r.includes('fieldValidation=Strict')));
  assert.ok(!full.requests.some((r) => r.startsWith('GET /openapi/v2')), 'v2 is not needed when v3 answers');
  const good = await kubectl(full, join(dir, 'cache-apply'), ['apply', '-f', join(dir, 'good.yaml')]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /deployment\.apps\/web created/);
});

test('without v3, kubectl parses the protobuf /openapi/v2 and validates client-side', { skip: !haveKubectl && 'no /usr/bin/kubectl' }, async () => {
  const typo = await kubectl(legacy, join(dir, 'cache-legacy'), ['apply', '-f', join(dir, 'typo.yaml')]);
  assert.notEqual(typo.code, 0);
  assert.match(typo.stderr, /unknown field "replicass" in io\.k8s\.api\.apps\.v1\.DeploymentSpec/);
  assert.ok(legacy.requests.some((r) => r === 'GET /openapi/v2?timeout=32s accept=application/com.github.proto-openapi.spec.v2@v1.0+protobuf'),
    legacy.requests.join('\n'));
  assert.ok(!legacy.requests.some((r) => r.startsWith('POST ')), 'nothing was sent');
  const good = await kubectl(legacy, join(dir, 'cache-legacy'), ['apply', '-f', join(dir, 'good.yaml')]);
  assert.equal(good.code, 0, good.stderr);
});
