import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCriLogLine, readLogs, readLogEntries } from '../../src/runtime/log-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'stratus-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ts = (s: number) => `2024-05-01T10:00:${String(s).padStart(2, '0')}.000000001Z`;
const rec = (s: number, stream: string, tag: string, text: string) => `${ts(s)} ${stream} ${tag} ${text}\n`;

async function text(path: string, options: Parameters<typeof readLogs>[1] = {}): Promise<string> {
  let out = '';
  for await (const s of readLogs(path, options)) out += s;
  return out;
}

test('parses CRI records', () => {
  assert.deepEqual(parseCriLogLine(`${ts(1)} stdout F hello world`), { timestamp: ts(1), stream: 'stdout', partial: false, content: 'hello world' });
  assert.deepEqual(parseCriLogLine(`${ts(1)} stderr P `), { timestamp: ts(1), stream: 'stderr', partial: true, content: '' });
  assert.equal(parseCriLogLine('garbage'), undefined);
});

test('joins partial records per stream, across rotated files, in order', async () => {
  const log = join(dir, 'a.log');
  writeFileSync(`${log}.2`, rec(1, 'stdout', 'F', 'one') + rec(2, 'stdout', 'P', 'tw'));
  writeFileSync(`${log}.1`, rec(3, 'stderr', 'F', 'err-1') + rec(4, 'stdout', 'F', 'o') + rec(5, 'stdout', 'F', 'three'));
  writeFileSync(log, rec(6, 'stdout', 'P', 'fo') + rec(7, 'stderr', 'F', 'err-2') + rec(8, 'stdout', 'F', 'ur') + rec(9, 'stdout', 'P', 'five'));
  assert.equal(await text(log), 'one\nerr-1\ntwo\nthree\nerr-2\nfour\nfive\n');
  assert.equal(await text(log, { stream: 'stderr' }), 'err-1\nerr-2\n');
  assert.equal(await text(log, { timestamps: true, tail: 2 }), `${ts(6)} four\n${ts(9)} five\n`);
  // tail reads backwards: a line whose head is in an older file is still whole
  assert.equal(await text(log, { tail: 4 }), 'three\nerr-2\nfour\nfive\n');
  assert.equal(await text(log, { tail: 5, stream: 'stdout' }), 'one\ntwo\nthree\nfour\nfive\n');
  assert.equal(await text(log, { tail: 0 }), '');
  assert.equal(await text(log, { tail: 100 }), await text(log));
  assert.equal(await text(log, { sinceTime: new Date(ts(5)) }), 'three\nerr-2\nfour\nfive\n');
  assert.equal(await text(log, { sinceTime: new Date(ts(5)), tail: 1 }), 'five\n');
  assert.equal(await text(log, { limitBytes: 6 }), 'one\ner');
});

test('tail then follow picks up appended lines and stops when the writer is done', async () => {
  const log = join(dir, 'b.log');
  writeFileSync(log, rec(1, 'stdout', 'F', 'old-1') + rec(2, 'stdout', 'F', 'old-2') + rec(3, 'stdout', 'P', 'new-'));
  let finished = false;
  const seen: string[] = [];
  const reading = (async () => {
    for await (const e of readLogEntries(log, { tail: 1, follow: true, pollIntervalMs: 20, isFinished: () => finished })) seen.push(e.content);
  })();
  await new Promise((r) => setTimeout(r, 100));
  appendFileSync(log, rec(4, 'stdout', 'F', '3') + rec(5, 'stderr', 'F', 'bye'));
  await new Promise((r) => setTimeout(r, 100));
  finished = true;
  await reading;
  assert.deepEqual(seen, ['old-2', 'new-3', 'bye']);
});

test('follow ends when aborted', async () => {
  const log = join(dir, 'c.log');
  writeFileSync(log, rec(1, 'stdout', 'F', 'x'));
  const abort = new AbortController();
  const seen: string[] = [];
  setTimeout(() => abort.abort(), 100);
  for await (const e of readLogEntries(log, { follow: true, signal: abort.signal, pollIntervalMs: 20 })) seen.push(e.content);
  assert.deepEqual(seen, ['x']);
});
