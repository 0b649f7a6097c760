import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const writerScript = fileURLToPath(new URL('./fixtures/durability-writer.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'stratus-durability-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Ack {
  op: string;
  key: string;
  revision: number;
}

/** Runs the writer until it has acknowledged at least `minAcks` writes, then kills it with SIGKILL mid-stream. */
async function writeThenKill(dbPath: string, round: number, minAcks: number): Promise<Ack[]> {
  const child = spawn(process.execPath, [writerScript, dbPath, String(round)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.split('\n').length > minAcks) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`writer exited before ${minAcks} acknowledgements:\n${text.slice(-500)}`)));
  });
  assert.equal(await exited, 'SIGKILL');
  const lines = text.split('\n');
  lines.pop(); // an unfinished last line was never fully acknowledged
  return lines
    .filter((line) => line !== 'ready')
    .map((line) => {
      const [op, key, revision] = line.split(' ');
      return { op: op!, key: key!, revision: Number(revision) };
    });
}

it('keeps every acknowledged write after the writing process is killed with SIGKILL', async () => {
  const dbPath = join(root, 'state.db');
  let maxAcked = 0;
  const createdAt = new Map<string, number>();
  const counterAcks = new Map<string, number>();
  for (const round of [1, 2]) {
    const acks = await writeThenKill(dbPath, round, 3000 * round);
    assert.ok(acks.length >= 3000, `only ${acks.length} acknowledgements`);
    for (const ack of acks) {
      assert.ok(ack.revision > maxAcked, `revision ${ack.revision} reused: round ${round - 1} already reached ${maxAcked}`);
      if (ack.op === 'create') createdAt.set(ack.key, ack.revision);
      else counterAcks.set(ack.key, Math.max(counterAcks.get(ack.key) ?? 0, ack.revision));
    }
    maxAcked = Math.max(...acks.map((a) => a.revision));

    const store = await openSqliteStore(dbPath);
    try {
      const stored = new Map((await store.list('/d/')).items.map((kv) => [kv.key, kv]));
      const missing = [...createdAt].filter(([key, revision]) => stored.get(key)?.createRevision !== revision);
      assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged creates lost or changed`);
      for (const [key, revision] of counterAcks) {
        assert.ok(stored.get(key)!.modRevision >= revision, `${key}: acknowledged update at ${revision} lost`);
      }
      const current = await store.revision();
      assert.ok(current >= maxAcked, `store revision ${current} is below acknowledged ${maxAcked}`);
      const next = await store.create(`/d/after-round-${round}`, 'x');
      assert.ok(next.modRevision > current);
      createdAt.set(next.key, next.modRevision);
      maxAcked = next.modRevision;
    } finally {
      await store.close();
    }
  }
});
