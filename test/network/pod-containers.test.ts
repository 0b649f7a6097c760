// Containers of one pod share its network (localhost), IPC and UTS namespaces; pods reach each other by IP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { get } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createPodNamespaces, removePodNamespaces, type PodNamespaces } from '../../src/runtime/pod-namespaces.js';
import type { PodAttachment } from '../../src/network/bridge-network.js';
import { listNetns } from '../../src/network/netns.js';
import { makeRuntimeFixture, mountsUnder, runcList, type RuntimeFixture } from '../runtime/runtime-fixture.js';
import { makeNetworkFixture, type NetworkFixture } from './network-fixture.js';

let rfx: RuntimeFixture;
let nfx: NetworkFixture;
let podA: PodAttachment;
let podB: PodAttachment;
let nsA: PodNamespaces;
const hostPort = 20000 + Math.floor(Math.random() * 10000);

class Collector extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.text += chunk.toString();
    cb();
  }
}

async function execOut(id: string, args: string[]): Promise<{ code: number; out: string }> {
  const out = new Collector();
  const code = await rfx.runtime.exec(id, { args, stdout: out, stderr: out });
  return { code, out: out.text };
}

before(async () => {
  rfx = makeRuntimeFixture('pods');
  nfx = makeNetworkFixture();
  podA = await nfx.network.setUp('pod-a', { portMappings: [{ hostPort, containerPort: 8080, protocol: 'tcp' }] });
  podB = await nfx.network.setUp('pod-b');
  nsA = await createPodNamespaces(join(rfx.dir, 'pods', 'pod-a'), 'pod-a');
  const inA = { network: podA.netnsPath, ipc: nsA.ipc, uts: nsA.uts };
  await rfx.runtime.run('a-web', rfx.config(['httpd', '-f', '-p', '8080', '-h', '/www'], { namespaces: inA, hostname: 'pod-a' }), {
    logPath: rfx.logPath('a-web'),
  });
  await rfx.runtime.run('a-side', rfx.config(['sleep', '1000'], { namespaces: inA, hostname: 'pod-a' }), { logPath: rfx.logPath('a-side') });
  await rfx.runtime.run('b-client', rfx.config(['sleep', '1000'], { namespaces: { network: podB.netnsPath } }), {
    logPath: rfx.logPath('b-client'),
  });
});

after(async () => {
  await rfx.cleanup();
  await removePodNamespaces(join(rfx.dir, 'pods', 'pod-a'));
  await nfx.cleanup();
});

test('containers of one pod reach each other on localhost and share IPC and UTS', async () => {
  const local = await execOut('a-side', ['timeout', '5', 'wget', '-q', '-O', '-', 'http://127.0.0.1:8080/']);
  assert.equal(local.code, 0, local.out);
  assert.equal(local.out, 'hello from stratus\n');
  assert.equal((await execOut('a-side', ['hostname'])).out.trim(), 'pod-a');
  const ipcWeb = (await execOut('a-web', ['readlink', '/proc/self/ns/ipc'])).out;
  const ipcSide = (await execOut('a-side', ['readlink', '/proc/self/ns/ipc'])).out;
  assert.match(ipcWeb, /^ipc:\[\d+\]/);
  assert.equal(ipcWeb, ipcSide);
  const ipcB = (await execOut('b-client', ['readlink', '/proc/self/ns/ipc'])).out;
  assert.notEqual(ipcB, ipcWeb);
  // The pod's IP is on eth0 inside the container.
  assert.match((await execOut('a-side', ['ip', '-4', 'addr', 'show', 'eth0'])).out, new RegExp(`inet ${podA.ip.replace(/\./g, '\\.')}/24`));
});

test('a pod reaches another pod by IP over the bridge', async () => {
  const remote = await execOut('b-client', ['timeout', '5', 'wget', '-q', '-O', '-', `http://${podA.ip}:8080/`]);
  assert.equal(remote.code, 0, remote.out);
  assert.equal(remote.out, 'hello from stratus\n');
  // Pod B cannot reach pod A on a port nobody listens on: the connection is refused, not hanging.
  const refused = await execOut('b-client', ['timeout', '5', 'nc', '-w', '2', podA.ip, '9']);
  assert.notEqual(refused.code, 0);
});

test('a host port reaches the pod (portmap), from the host loopback', async () => {
  const body = await new Promise<string>((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port: hostPort, path: '/', timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
  assert.equal(body, 'hello from stratus\n');
  assert.ok(execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).includes(`--dport ${hostPort}`));
});

test('teardown leaves no container, netns, mount or runc state', async () => {
  for (const id of ['a-web', 'a-side', 'b-client']) {
    await rfx.runtime.stop(id, 1);
    await rfx.runtime.remove(id);
  }
  await removePodNamespaces(join(rfx.dir, 'pods', 'pod-a'));
  await nfx.network.tearDown('pod-a');
  await nfx.network.tearDown('pod-b');
  assert.deepEqual(runcList(rfx.runtime.runcRoot), []);
  assert.deepEqual(mountsUnder(rfx.dir), []);
  assert.deepEqual(await listNetns(nfx.network.netnsPrefix), []);
  assert.ok(!execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' }).includes(`--dport ${hostPort}`), 'port rules removed');
});
