import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Event, Pod } from 'kubernetes-types/core/v1.js';
import { HollowAgent } from '../../src/agent/hollow/hollow-agent.js';
import { HOLLOW_EXIT_CODE, HOLLOW_RUN_SECONDS } from '../../src/agent/hollow/pod-exit.js';
import { isNotFound } from '../../src/client/api-client.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { Informer } from '../../src/client/informer.js';
import { EVENTS, JOBS, PODS } from '../../src/client/resources.js';
import { GarbageCollector } from '../../src/controllers/garbage-collector.js';
import { JobController } from '../../src/controllers/job/job-controller.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { eventually, startTestCluster, type TestCluster } from '../client/in-process-cluster.js';

// The Job controller with the scheduler and garbage collector against a real control plane; hollow nodes run the
// pods and make them exit on cue (pod-exit.ts annotations). Pod-failure back-off is shortened to 200 ms.
let cluster: TestCluster;
let agent: HollowAgent;
let factory: InformerFactory;
let controllers: Array<{ stop(): Promise<void> }> = [];
let jobController: JobController;
let podWatch: Informer<Pod>;
/** Most pods of each job that were active at the same moment (seen through a watch). */
const maxActive = new Map<string, number>();
/** When the watch first saw each pod of each job (creation order). */
const firstSeen = new Map<string, number[]>();

before(async () => {
  cluster = await startTestCluster({ controllers: false });
  const client = cluster.plane.client;
  agent = new HollowAgent({ client, name: 'node', count: 2 });
  await agent.start();
  factory = new InformerFactory(client);
  const scheduler = new Scheduler({ client, factory });
  const gc = new GarbageCollector({ client, factory });
  jobController = new JobController({ client, factory, podFailureBackoff: { baseMs: 200, maxMs: 2000 } });
  controllers = [scheduler, gc, jobController];
  await Promise.all(controllers.map((c) => (c as unknown as { start(): Promise<void> }).start()));
  podWatch = new Informer(client, PODS, { namespace: 'default' });
  podWatch.addHandlers({ onAdd: (pod) => { trackCreated(pod); trackActive(); }, onUpdate: () => trackActive(), onDelete: () => trackActive() });
  podWatch.start();
  await podWatch.waitForSync();
});

after(async () => {
  await podWatch?.stop();
  for (const c of controllers) await c.stop();
  await factory?.stop();
  await agent?.stop();
  await cluster?.close();
});

function trackCreated(pod: Pod): void {
  const job = pod.metadata?.labels?.['job-name'];
  if (job) firstSeen.set(job, [...(firstSeen.get(job) ?? []), Date.now()]);
}

function trackActive(): void {
  const counts = new Map<string, number>();
  for (const pod of podWatch.list()) {
    const job = pod.metadata?.labels?.['job-name'];
    const phase = pod.status?.phase;
    if (!job || phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp) continue;
    counts.set(job, (counts.get(job) ?? 0) + 1);
  }
  for (const [job, n] of counts) maxActive.set(job, Math.max(maxActive.get(job) ?? 0, n));
}

function job(name: string, spec: Partial<NonNullable<Job['spec']>>, exit?: { code: number; runSeconds: number }, restartPolicy = 'Never'): Job {
  const annotations: Record<string, string> = exit ? { [HOLLOW_EXIT_CODE]: String(exit.code), [HOLLOW_RUN_SECONDS]: String(exit.runSeconds) } : {};
  return {
    apiVersion: 'batch/v1', kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      ...spec,
      template: {
        metadata: { annotations },
        spec: { restartPolicy, containers: [{ name: 'work', image: 'registry.local/busybox:1' }] },
      },
    },
  };
}

async function getJob(name: string): Promise<Job> {
  return cluster.plane.client.get(JOBS, name, { namespace: 'default' });
}

function condition(j: Job, type: string): { status?: string; reason?: string } | undefined {
  return j.status?.conditions?.find((c) => c.type === type);
}

async function finished(name: string, type: 'Complete' | 'Failed', timeoutMs = 20_000): Promise<Job> {
  return eventually(async () => {
    const j = await getJob(name);
    return condition(j, type)?.status === 'True' ? j : undefined;
  }, `job ${name} to be ${type}`, timeoutMs);
}

async function podsOf(name: string): Promise<Pod[]> {
  const list = await cluster.plane.client.list(PODS, { namespace: 'default', labelSelector: `job-name=${name}` });
  return list.items;
}

async function events(name: string, reason: string): Promise<Event[]> {
  const list = await cluster.plane.client.list(EVENTS, { namespace: 'default', fieldSelector: `involvedObject.name=${name},reason=${reason}` });
  return list.items;
}

test('completions and parallelism: 5 pods succeed, never more than 2 at once, then Complete', async () => {
  await cluster.plane.client.create(JOBS, job('batch', { completions: 5, parallelism: 2 }, { code: 0, runSeconds: 0.3 }));
  const j = await finished('batch', 'Complete');
  assert.equal(j.status?.succeeded, 5);
  assert.equal(j.status?.active, undefined);
  assert.equal(j.status?.failed, undefined);
  assert.ok(j.status?.startTime && j.status.completionTime);
  assert.equal(condition(j, 'SuccessCriteriaMet')?.status, 'True');
  assert.equal(condition(j, 'Complete')?.reason, 'CompletionsReached');
  assert.equal(maxActive.get('batch'), 2);
  const pods = await podsOf('batch');
  assert.equal(pods.length, 5, 'exactly one pod per completion: nothing over-created');
  assert.ok(pods.every((p) => p.status?.phase === 'Succeeded'));
  await eventually(async () => (await events('batch', 'SuccessfulCreate')).length === 5, 'five SuccessfulCreate events');
  await eventually(async () => (await events('batch', 'Completed')).length === 1, 'a Completed event');
});

test('kubectl get jobs shows status, completions and duration', async () => {
  const { stdout } = await promisify(execFile)('/usr/bin/kubectl', ['--kubeconfig', cluster.plane.kubeconfigPath, '--cache-dir', `${cluster.dir}/kubectl-cache`, 'get', 'jobs', 'batch']);
  const [header, row] = stdout.trim().split('\n');
  assert.match(header!, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE/);
  assert.match(row!, /^batch\s+Complete\s+5\/5\s+\d+s\s+/);
});

test('backoffLimit: failed pods are replaced after a back-off until the limit, then the job fails', async () => {
  await cluster.plane.client.create(JOBS, job('flaky', { backoffLimit: 2 }, { code: 1, runSeconds: 0.1 }));
  const j = await finished('flaky', 'Failed');
  assert.equal(condition(j, 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal(condition(j, 'FailureTarget')?.status, 'True');
  assert.equal(j.status?.failed, 3, 'backoffLimit 2 allows two retries: three failed pods');
  assert.equal(j.status?.active, undefined);
  assert.equal(j.status?.completionTime, undefined);
  const pods = await podsOf('flaky');
  assert.equal(pods.length, 3);
  // Each pod runs 100 ms; replacements wait 200 ms after the 1st failure, 400 ms after the 2nd.
  const [t0, t1, t2] = firstSeen.get('flaky')!;
  assert.ok(t1! - t0! >= 300, `second pod after ${t1! - t0!} ms`);
  assert.ok(t2! - t1! >= 500, `third pod after ${t2! - t1!} ms`);
  await eventually(async () => (await events('flaky', 'BackoffLimitExceeded')).length === 1, 'a BackoffLimitExceeded event');
});

test('backoffLimit with restartPolicy OnFailure counts container restarts', async () => {
  await cluster.plane.client.create(JOBS, job('restarts', { backoffLimit: 2 }, { code: 1, runSeconds: 0.2 }, 'OnFailure'));
  const j = await finished('restarts', 'Failed');
  assert.equal(condition(j, 'Failed')?.reason, 'BackoffLimitExceeded');
  assert.equal((await events('restarts', 'SuccessfulCreate')).length, 1, 'one pod, restarted in place');
  await eventually(async () => (await podsOf('restarts')).length === 0, 'the restarting pod to be deleted');
});

test('activeDeadlineSeconds: a job running too long fails with DeadlineExceeded and its pods are removed', async () => {
  await cluster.plane.client.create(JOBS, job('slow', { parallelism: 2, completions: 2, activeDeadlineSeconds: 2 }));
  await eventually(async () => (await getJob('slow')).status?.active === 2, 'two active pods');
  const j = await finished('slow', 'Failed');
  assert.equal(condition(j, 'Failed')?.reason, 'DeadlineExceeded');
  assert.equal(condition(j, 'FailureTarget')?.reason, 'DeadlineExceeded');
  // Both times have second precision (metav1.Time), as upstream: the deadline is measured between them.
  const failedAt = j.status!.conditions!.find((c) => c.type === 'Failed')!.lastTransitionTime!;
  const elapsed = Date.parse(failedAt) - Date.parse(j.status!.startTime!);
  assert.ok(elapsed >= 2000, `failed after ${elapsed} ms`);
  assert.equal(j.status?.active, undefined, 'no active pods (zero is omitted, as upstream)');
  assert.equal(j.status?.failed, 2, 'the pods stopped at the deadline count as failed');
  assert.equal((await podsOf('slow')).length, 0, 'running pods were deleted');
  await eventually(async () => (await events('slow', 'DeadlineExceeded')).length === 1, 'a DeadlineExceeded event');
  assert.equal((await events('slow', 'SuccessfulDelete')).length, 2);
});

test('ttlSecondsAfterFinished: the job and its pods are deleted after it completes', async () => {
  await cluster.plane.client.create(JOBS, job('short-lived', { ttlSecondsAfterFinished: 1 }, { code: 0, runSeconds: 0 }));
  const j = await finished('short-lived', 'Complete');
  const deletedAt = await eventually(async () => {
    try { await getJob('short-lived'); return false; } catch (err) { return isNotFound(err) ? Date.now() : false; }
  }, 'the finished job to be deleted', 10_000);
  assert.ok(deletedAt >= Date.parse(j.status!.completionTime!) + 1000, 'not deleted before its TTL');
  await eventually(async () => (await podsOf('short-lived')).length === 0, 'its pods to be garbage collected', 10_000);
});

test('suspend: no pods while suspended; resume runs it; suspending a running job deletes its pods', async () => {
  const client = cluster.plane.client;
  await client.create(JOBS, job('paused', { suspend: true, completions: 2, parallelism: 2 }, { code: 0, runSeconds: 2.5 }));
  const suspended = await eventually(async () => {
    const j = await getJob('paused');
    return condition(j, 'Suspended')?.status === 'True' ? j : undefined;
  }, 'the Suspended condition');
  assert.equal(condition(suspended, 'Suspended')?.reason, 'JobSuspended');
  assert.equal(suspended.status?.startTime, undefined);
  assert.equal((await podsOf('paused')).length, 0);

  await client.patch(JOBS, 'paused', { spec: { suspend: false } }, 'merge', { namespace: 'default' });
  await eventually(async () => (await getJob('paused')).status?.active === 2, 'two active pods after resume');
  const resumed = await getJob('paused');
  assert.equal(condition(resumed, 'Suspended')?.status, 'False');
  assert.equal(condition(resumed, 'Suspended')?.reason, 'JobResumed');
  assert.ok(resumed.status?.startTime);

  await client.patch(JOBS, 'paused', { spec: { suspend: true } }, 'merge', { namespace: 'default' });
  await eventually(async () => (await podsOf('paused')).length === 0, 'running pods deleted on suspend');
  const again = await getJob('paused');
  assert.equal(condition(again, 'Suspended')?.status, 'True');
  assert.equal(again.status?.active, undefined);
  assert.equal(again.status?.failed, undefined, 'pods removed by suspend are not failures');

  await client.patch(JOBS, 'paused', { spec: { suspend: false } }, 'merge', { namespace: 'default' });
  const done = await finished('paused', 'Complete');
  assert.equal(done.status?.succeeded, 2);
  assert.ok((await events('paused', 'Suspended')).length >= 1);
  assert.ok((await events('paused', 'Resumed')).length >= 1);
});

test('Indexed completion mode: one pod per index, completedIndexes reported', async () => {
  await cluster.plane.client.create(JOBS, job('indexed', { completions: 3, parallelism: 2, completionMode: 'Indexed' }, { code: 0, runSeconds: 0.2 }));
  const j = await finished('indexed', 'Complete');
  assert.equal(j.status?.completedIndexes, '0-2');
  assert.equal(j.status?.succeeded, 3);
  const pods = await podsOf('indexed');
  const indexes = pods.map((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(indexes, ['0', '1', '2']);
  const pod0 = pods.find((p) => p.metadata?.labels?.['batch.kubernetes.io/job-completion-index'] === '0')!;
  assert.equal(pod0.spec?.hostname, 'indexed-0');
  assert.ok(pod0.spec?.containers[0]?.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX'));
});

test('a job without completions finishes when a pod succeeds and the rest have stopped', async () => {
  await cluster.plane.client.create(JOBS, job('queue', { parallelism: 3 }, { code: 0, runSeconds: 0.3 }));
  const j = await finished('queue', 'Complete');
  assert.equal(j.status?.succeeded, 3);
  assert.equal((await podsOf('queue')).length, 3);
});

test('a pod deleted by someone else counts as failed and is replaced', async () => {
  const client = cluster.plane.client;
  await client.create(JOBS, job('victim', { backoffLimit: 3 }));
  const [pod] = await eventually(async () => {
    const pods = (await podsOf('victim')).filter((p) => p.status?.phase === 'Running');
    return pods.length === 1 ? pods : undefined;
  }, 'a running pod');
  await client.delete(PODS, pod!.metadata!.name!, { namespace: 'default' });
  const j = await eventually(async () => {
    const cur = await getJob('victim');
    return cur.status?.failed === 1 && cur.status.active === 1 ? cur : undefined;
  }, 'one failure counted and a replacement running');
  assert.equal(condition(j, 'Failed'), undefined);
  const pods = await podsOf('victim');
  assert.equal(pods.length, 1);
  assert.notEqual(pods[0]!.metadata!.uid, pod!.metadata!.uid);
  await client.delete(JOBS, 'victim', { namespace: 'default', propagationPolicy: 'Background' });
});

test('a restarted controller (fresh caches) picks up where the old one stopped without extra pods', async () => {
  const client = cluster.plane.client;
  await client.create(JOBS, job('resume', { completions: 4, parallelism: 2 }, { code: 0, runSeconds: 1 }));
  await eventually(async () => (await podsOf('resume')).length === 2, 'the first two pods');
  await jobController.stop();
  const freshFactory = new InformerFactory(client);
  jobController = new JobController({ client, factory: freshFactory, podFailureBackoff: { baseMs: 200, maxMs: 2000 } });
  controllers.push({ stop: () => freshFactory.stop() });
  controllers.push(jobController);
  await jobController.start();
  const j = await finished('resume', 'Complete');
  assert.equal(j.status?.succeeded, 4);
  assert.equal((await podsOf('resume')).length, 4, 'one pod per completion across the restart');
  assert.equal(maxActive.get('resume'), 2);
});
