/**
 * kubectl logs / exec / top against a real control plane, a real agent endpoint and real runc containers
 * (test/agent/server/node-fixture.ts stands in for the agent's pod workers: it runs the containers and writes the
 * Node and pod status an agent writes). Needs root and runc.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { get } from 'node:http';
import { Writable } from 'node:stream';
import { Exec, KubeConfig } from '@kubernetes/client-node';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { NODES, PODS } from '../../src/client/resources.js';
import { eventually, startTestCluster, type TestCluster } from '../client/in-process-cluster.js';
import { containerStatus, startAgentFixture, type AgentFixture } from '../agent/agent-fixture.js';
import { startNodeFixture, type NodeFixture } from '../agent/server/node-fixture.js';
import { freePort, KUBECTL, run, type CommandResult } from './harness.js';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const canRun = process.getuid?.() === 0;

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('kubectl logs, exec and top through the API server to the node agent', { skip: canRun ? false : 'needs root and runc' }, () => {
  let cluster: TestCluster;
  let node: NodeFixture;
  let web: Pod;
  let kubectlArgs: string[];

  const kubectl = (args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<CommandResult> =>
    run(KUBECTL, [...kubectlArgs, ...args], options);
  const kubectlOk = async (args: string[], options: { input?: string } = {}): Promise<string> => {
    const r = await kubectl(args, options);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    cluster = await startTestCluster();
    kubectlArgs = ['--kubeconfig', cluster.plane.kubeconfigPath, '--cache-dir', join(cluster.dir, 'kube-cache')];
    node = await startNodeFixture(cluster.plane.client, join(cluster.dir, 'pki', 'ca.crt'));
    web = await node.runPod('web', [{ name: 'main', args: ['sh', '-c', 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.1; done'] }]);
    // Wait until there is a little history to read.
    await eventually(async () => (await kubectlOk(['logs', 'web'])).includes('line 5'), 'web to log 5 lines');
  });

  after(async () => {
    await node?.close();
    await cluster?.close();
  });

  describe('logs', () => {
    test('whole log, --tail, --timestamps, --limit-bytes', async () => {
      const all = (await kubectlOk(['logs', 'web'])).split('\n').filter(Boolean);
      assert.equal(all[0], 'line 0');
      assert.ok(all.length >= 5);
      const tail = (await kubectlOk(['logs', 'web', '--tail=2'])).split('\n').filter(Boolean);
      assert.equal(tail.length, 2);
      assert.match(tail[0]!, /^line \d+$/);
      const stamped = (await kubectlOk(['logs', 'web', '--tail=1', '--timestamps'])).trim();
      assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line \d+$/);
      assert.equal(await kubectlOk(['logs', 'web', '--limit-bytes=4']), 'line');
    });

    test('--since keeps only recent lines', async () => {
      await new Promise((r) => setTimeout(r, 1500));
      const recent = (await kubectlOk(['logs', 'web', '--since=1s'])).split('\n').filter(Boolean);
      assert.ok(recent.length >= 3 && recent.length <= 15, `expected about 10 lines from the last second, got ${recent.length}`);
      assert.notEqual(recent[0], 'line 0');
    });

    test('-f streams new lines as they are written', async () => {
      const child = spawn(KUBECTL, [...kubectlArgs, 'logs', '-f', 'web', '--tail=1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
      try {
        await eventually(() => out.split('\n').filter(Boolean).length >= 4, 'kubectl logs -f to print 4 lines', 10_000);
        const numbers = out.split('\n').filter(Boolean).map((l) => Number(l.replace('line ', '')));
        for (let i = 1; i < numbers.length; i++) assert.equal(numbers[i], numbers[i - 1]! + 1);
      } finally {
        child.kill();
      }
    });

    test('-f ends when the container exits', async () => {
      await node.runPod('brief', [{ name: 'main', args: ['sh', '-c', 'for i in 1 2 3; do echo "tick $i"; sleep 0.3; done'] }]);
      const r = await kubectl(['logs', '-f', 'brief'], { timeoutMs: 15_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'tick 1\ntick 2\ntick 3\n');
    });

    test('--previous shows the container instance before the restart', async () => {
      const crashy = await node.runPod('crashy', [{ name: 'main', args: ['sh', '-c', 'echo "first run"; exit 1'] }]);
      await node.restartContainer(crashy, { name: 'main', args: ['sh', '-c', 'echo "second run"; sleep 300'] });
      await eventually(async () => (await kubectlOk(['logs', 'crashy'])) === 'second run\n', 'the second run to log');
      assert.equal(await kubectlOk(['logs', 'crashy', '--previous']), 'first run\n');
      const none = await kubectl(['logs', 'web', '--previous']);
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /previous terminated container "main" in pod "web" not found/);
    });

    test('-c picks a container; without it a pod with several containers is an error naming them', async () => {
      await node.runPod('duo', [
        { name: 'a', args: ['sh', '-c', 'echo from-a; exec sleep 301'] },
        { name: 'b', args: ['sh', '-c', 'echo from-b; exec sleep 302'] },
      ]);
      await eventually(async () => (await kubectl(['logs', 'duo', '-c', 'b'])).stdout === 'from-b\n', 'container b to log');
      // kubectl itself refuses without -c; the API server gives the same answer to direct callers.
      const r = await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/duo/log']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /a container name must be specified for pod duo, choose one of: \[a b\]/);
      const bad = await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/duo/log?container=zzz']);
      assert.match(bad.stderr, /container zzz is not valid for pod duo/);
    });

    test('a pod whose container has not started yet: BadRequest "waiting to start"', async () => {
      await cluster.plane.client.create(PODS, { metadata: { name: 'pending', namespace: 'default' }, spec: { containers: [{ name: 'main', image: 'busybox' }] } });
      const r = await kubectl(['logs', 'pending']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /container "main" in pod "pending" is waiting to start: ContainerCreating/);
      const missing = await kubectl(['logs', 'no-such-pod']);
      assert.match(missing.stderr, /pods "no-such-pod" not found/);
    });
  });

  describe('nodes without a reachable agent', () => {
    test('logs and exec say which node and why, and top leaves the node out', async () => {
      const { client } = cluster.plane;
      const closedPort = await freePort();
      await client.create(NODES, { metadata: { name: 'ghost' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: closedPort } } } });
      await client.create(NODES, { metadata: { name: 'hollow' }, status: { addresses: [{ type: 'InternalIP', address: '10.9.9.9' }], daemonEndpoints: { kubeletEndpoint: { Port: 0 } } } });
      for (const nodeName of ['ghost', 'hollow']) {
        const pod = await client.create(PODS, { metadata: { name: `on-${nodeName}`, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'main', image: 'busybox' }] } });
        await client.updateStatus(PODS, { ...pod, status: { phase: 'Running', containerStatuses: [{ name: 'main', image: 'busybox', imageID: '', ready: true, restartCount: 0, containerID: 'stratus://x', state: { running: {} } }] } });
      }
      const logs = await kubectl(['logs', 'on-ghost']);
      assert.notEqual(logs.code, 0);
      assert.match(logs.stderr, new RegExp(`cannot reach the agent of node "ghost" at 127\\.0\\.0\\.1:${closedPort}`));
      const exec = await kubectl(['exec', 'on-ghost', '--', 'true']);
      assert.notEqual(exec.code, 0);
      assert.match(exec.stderr, /cannot reach the agent of node "ghost"/);
      const hollow = await kubectl(['logs', 'on-hollow']);
      assert.match(hollow.stderr, /node "hollow" serves no agent endpoint/);
      const nodes = await kubectlOk(['top', 'nodes']);
      assert.match(nodes, /^node-1\s+\d+m/m);
      assert.match(nodes, /^ghost\s+<unknown>/m);
      await client.delete(PODS, 'on-ghost', { namespace: 'default', gracePeriodSeconds: 0 });
      await client.delete(PODS, 'on-hollow', { namespace: 'default', gracePeriodSeconds: 0 });
      await client.delete(NODES, 'ghost');
      await client.delete(NODES, 'hollow');
    });
  });

  describe('exec', () => {
    test('runs a command and returns its output', async () => {
      assert.equal(await kubectlOk(['exec', 'web', '--', 'echo', 'hello', 'world']), 'hello world\n');
      const r = await kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2']);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'out\n');
      assert.match(r.stderr, /^err$/m);
    });

    test('large output arrives whole', async () => {
      const r = await kubectl(['exec', 'web', '--', 'head', '-c', '30000000', '/dev/zero'], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, 30_000_000);
    });

    test('passes the exit code through', async () => {
      const r = await kubectl(['exec', 'web', '--', 'sh', '-c', 'exit 3']);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /command terminated with exit code 3/);
    });

    test('-i pipes stdin and ends it', async () => {
      const input = Array.from({ length: 2000 }, (_, i) => `row ${i}`).join('\n') + '\n';
      const r = await kubectl(['exec', '-i', 'web', '--', 'sh', '-c', 'wc -l; cat >/dev/null'], { input });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), '2000');
      assert.equal(await kubectlOk(['exec', '-i', 'web', '--', 'cat'], { input: 'round trip\n' }), 'round trip\n');
    });

    test('kubectl cp copies files both ways (tar over exec stdin/stdout)', async () => {
      const local = join(cluster.dir, 'payload.bin');
      const payload = randomBytes(300_000);
      writeFileSync(local, payload);
      await kubectlOk(['cp', local, 'web:/tmp/payload.bin']);
      assert.equal((await kubectlOk(['exec', 'web', '--', 'sh', '-c', 'wc -c < /tmp/payload.bin'])).trim(), String(payload.length));
      const back = join(cluster.dir, 'back.bin');
      await kubectlOk(['cp', 'web:/tmp/payload.bin', back]);
      assert.ok(readFileSync(back).equals(payload));
    });

    test('-it gives an interactive shell on a terminal', async () => {
      // `script` gives kubectl a real pty, as a person at a terminal would.
      const command = [KUBECTL, ...kubectlArgs, 'exec', '-it', 'web', '--', 'sh'].map((a) => `'${a}'`).join(' ');
      const r = await run('script', ['-qfec', command, '/dev/null'], { input: 'tty; echo "sum=$((6*7))"; exit 7\n', timeoutMs: 20_000 });
      assert.match(r.stdout, /\/dev\/pts\/\d+/);
      assert.match(r.stdout, /sum=42/);
      assert.equal(r.code, 7);
    });

    test('-c picks the container; a stopped container is a clear error', async () => {
      assert.equal(await kubectlOk(['exec', 'duo', '-c', 'a', '--', 'cat', '/proc/1/cmdline']), 'sleep\x00301\x00');
      assert.equal(await kubectlOk(['exec', 'duo', '-c', 'b', '--', 'cat', '/proc/1/cmdline']), 'sleep\x00302\x00');
      await node.runPod('done', [{ name: 'main', args: ['true'] }]);
      await node.runtime.runtime.waitExit(node.containerId((await cluster.plane.client.get(PODS, 'done', { namespace: 'default' })), 'main'), 5000);
      const r = await kubectl(['exec', 'done', '--', 'true']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /container "main" in pod "done" is not running/);
    });
  });

  describe('attach and other clients', () => {
    test('kubectl attach streams the container output', async () => {
      const child = spawn(KUBECTL, [...kubectlArgs, 'attach', 'web'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
      try {
        await eventually(() => out.split('\n').filter((l) => /^line \d+$/.test(l)).length >= 3, 'kubectl attach to print 3 lines', 10_000);
      } finally {
        child.kill();
      }
    });

    test('kubectl port-forward reaches a port inside the pod', async () => {
      await node.runPod('server', [{ name: 'httpd', args: ['httpd', '-f', '-p', '8080', '-h', '/www'] }]);
      const child = spawn(KUBECTL, [...kubectlArgs, 'port-forward', 'pod/server', ':8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
      try {
        const port = await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+) -> 8080/.exec(out)?.[1], `kubectl port-forward to listen (stderr: ${err})`, 10_000);
        for (let i = 0; i < 3; i++) {
          const body = await httpGet(`http://127.0.0.1:${port}/index.html`);
          assert.equal(body, 'hello from stratus\n');
        }
        const big = await Promise.all([1, 2, 3].map(() => httpGet(`http://127.0.0.1:${port}/index.html`)));
        assert.deepEqual(big, ['hello from stratus\n', 'hello from stratus\n', 'hello from stratus\n']);
      } finally {
        child.kill();
      }
    });

    test('kubectl port-forward to a port nobody listens on reports the refusal', async () => {
      const child = spawn(KUBECTL, [...kubectlArgs, 'port-forward', 'pod/server', ':9999'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
      child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
      try {
        const port = await eventually(() => /Forwarding from 127\.0\.0\.1:(\d+) -> 9999/.exec(out)?.[1], 'kubectl port-forward to listen', 10_000);
        await httpGet(`http://127.0.0.1:${port}/`).catch(() => undefined);
        await eventually(() => /error forwarding port 9999 to pod default\/server: connect ECONNREFUSED 127\.0\.0\.1:9999/.test(err), 'the refusal on kubectl stderr', 10_000);
      } finally {
        child.kill();
      }
    });

    test('@kubernetes/client-node Exec (WebSocket) runs a command and reports its status', async () => {
      const kc = new KubeConfig();
      kc.loadFromFile(cluster.plane.kubeconfigPath);
      let stdout = '';
      const sink = new Writable({ write(chunk: Buffer, _e, done) { stdout += chunk.toString(); done(); } });
      const status = await new Promise<{ status?: string; details?: { causes?: Array<{ message?: string }> } }>((resolve, reject) => {
        void new Exec(kc).exec('default', 'web', 'main', ['sh', '-c', 'echo from-client-node; exit 2'], sink, null, null, false, (s) => resolve(s as never)).catch(reject);
      });
      assert.equal(status.status, 'Failure');
      assert.equal(status.details?.causes?.[0]?.message, '2');
      assert.equal(stdout, 'from-client-node\n');
    });
  });

  describe('top', () => {
    test('kubectl top pods / --containers / -A / nodes print real usage', async () => {
      await node.runPod('burner', [{ name: 'spin', args: ['sh', '-c', 'while :; do :; done'], cpuLimitMilli: 200 }]);
      const row = await eventually(async () => {
        const out = await kubectlOk(['top', 'pod', 'burner']);
        const m = /^burner\s+(\d+)m\s+(\d+)Mi\s*$/m.exec(out);
        return m && Number(m[1]) > 0 ? m : undefined;
      }, 'metrics for burner', 20_000);
      const cpu = Number(row[1]);
      assert.ok(cpu >= 50 && cpu <= 260, `burner spins under a 200m cap (less only on a saturated machine), top says ${cpu}m`);

      const containers = await kubectlOk(['top', 'pod', 'burner', '--containers']);
      assert.match(containers, /^burner\s+spin\s+\d+m\s+\d+Mi\s*$/m);

      const all = await kubectlOk(['top', 'pods', '-A']);
      assert.match(all, /^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
      assert.match(all, /^default\s+web\s+\d+m\s+\d+Mi/m);

      const nodes = await kubectlOk(['top', 'nodes']);
      const n = /^node-1\s+(\d+)m\s+(\d+)%\s+(\d+)Mi\s+(\d+)%/m.exec(nodes);
      assert.ok(n, nodes);
      assert.ok(Number(n[1]) >= 50, `the node runs burner, so it uses at least 50m (got ${n[1]}m)`);
      assert.ok(Number(n[3]) > 0);
    });

    test('the metrics API answers get and list as metrics-server does', async () => {
      const list = JSON.parse(await kubectlOk(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb'])) as { kind: string; items: Array<{ metadata: { name: string; labels?: Record<string, string> }; containers: Array<{ name: string; usage: { cpu: string; memory: string } }> }> };
      assert.equal(list.kind, 'PodMetricsList');
      assert.deepEqual(list.items.map((i) => i.metadata.name), ['web']);
      assert.equal(list.items[0]!.metadata.labels?.['app'], 'web');
      assert.match(list.items[0]!.containers[0]!.usage.memory, /^\d+(Ki|Mi)?$/);
      const missing = await kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/pending']);
      assert.match(missing.stderr, /podmetrics.metrics.k8s.io "default\/pending" not found/);
      const nodeMetrics = JSON.parse(await kubectlOk(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/node-1'])) as { kind: string; usage: { cpu: string } };
      assert.equal(nodeMetrics.kind, 'NodeMetrics');
      assert.match(nodeMetrics.usage.cpu, /^\d+[num]?$/);
      const resources = await kubectlOk(['api-resources', '--api-group=metrics.k8s.io']);
      assert.match(resources, /nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics/);
      assert.match(resources, /pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics/);
    });
  });

  test('web is still running after all of this', async () => {
    const state = await node.runtime.runtime.state(node.containerId(web, 'main'));
    assert.equal(state.state, 'running');
  });
});

describe('with the real node agent running the pods', { skip: canRun ? false : 'needs root and runc' }, () => {
  let fx: AgentFixture;
  let kubectlArgs: string[];
  const kubectl = (args: string[]) => run(KUBECTL, [...kubectlArgs, ...args]);
  const kubectlOk = async (args: string[]): Promise<string> => {
    const r = await kubectl(args);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    // The agent serves its own endpoint (on a free port it publishes in the Node).
    fx = await startAgentFixture();
    kubectlArgs = ['--kubeconfig', fx.plane.kubeconfigPath, '--cache-dir', join(fx.dir, 'kube-cache')];
  });

  after(async () => {
    await fx?.cleanup();
  });

  test('logs, exec and top of a pod the agent started', async () => {
    await fx.createPod({
      metadata: { name: 'talker' },
      spec: { containers: [{ name: 'main', image: fx.images.busybox, command: ['sh', '-c', 'echo hello from stratus; while true; do echo tick; sleep 0.5; done'] }] },
    });
    await fx.waitPod('talker', (p) => p.status?.phase === 'Running');
    await eventually(async () => (await kubectlOk(['logs', 'talker'])).startsWith('hello from stratus\n'), 'talker logs');
    assert.equal(await kubectlOk(['exec', 'talker', '--', 'cat', '/etc/hostname']), 'talker\n');
    const r = await kubectl(['exec', 'talker', '--', 'sh', '-c', 'exit 4']);
    assert.equal(r.code, 4);
    await eventually(async () => /^talker\s+\d+m\s+\d+Mi/m.test(await kubectlOk(['top', 'pod', 'talker'])), 'talker metrics', 20_000);
    assert.match(await kubectlOk(['top', 'node', fx.nodeName]), new RegExp(`^${fx.nodeName}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`, 'm'));
  });

  test('--previous after the agent restarted a crashing container', async () => {
    await fx.createPod({
      metadata: { name: 'crasher' },
      spec: { containers: [{ name: 'main', image: fx.images.busybox, command: ['sh', '-c', 'echo "run $(cat /proc/uptime)"; sleep 0.5; exit 1'] }] },
    });
    await fx.waitPod('crasher', (p) => (containerStatus(p, 'main')?.restartCount ?? 0) >= 1, 60_000, 'a restart');
    const previous = await kubectlOk(['logs', 'crasher', '--previous']);
    assert.match(previous, /^run \d/);
    const current = await kubectl(['logs', 'crasher']);
    if (current.code === 0) assert.notEqual(current.stdout, previous);
  });
});
