import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { registerImageCommands } from '../../../src/cli/image.js';
import { startRegistry, type TestRegistry } from '../../fixtures/registry.js';
import { buildTestImages, type TestImages } from '../../fixtures/test-images.js';

async function stratus(...args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command('stratus').exitOverride();
  registerImageCommands(program, { out: (t) => { out += t; }, err: (t) => { err += t; } });
  await program.parseAsync(['node', 'stratus', ...args]);
  return { out, err };
}

describe('stratus image', () => {
  let registry: TestRegistry;
  let images: TestImages;
  let root: string;

  before(async () => {
    registry = await startRegistry();
    images = await buildTestImages(registry.host);
    root = await mkdtemp(path.join(os.tmpdir(), 'stratus-images-cli-'));
  });
  after(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('imports, pulls, lists as a table, and removes', async () => {
    const imported = await stratus('image', 'import', images.layout, 'web:1', '--select', 'httpd:1', '--root', root);
    assert.match(imported.out, /^imported docker\.io\/library\/web:1@sha256:[a-f0-9]{64} \(1\.0 MB\)\n$/);

    const pulled = await stratus('image', 'pull', images.busybox, '--root', root);
    assert.match(pulled.out, new RegExp(`^${images.busybox.replace(/\./g, '\\.')}@sha256:`));
    assert.match(pulled.err, /resolved to sha256:/);
    assert.match(pulled.err, /pulled sha256:.* in /);

    const { out } = await stratus('image', 'ls', '--root', root);
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^REPOSITORY\s{3,}TAG\s{3,}DIGEST\s{3,}SIZE$/);
    assert.equal(lines.length, 3);
    assert.match(out, new RegExp(`${registry.host.replace(/\./g, '\\.')}/busybox\\s+1\\s+sha256:[a-f0-9]{12}\\s+1\\.0 MB`));
    assert.match(out, /\nweb\s+1\s+sha256:[a-f0-9]{12}\s+1\.0 MB/);

    const json = JSON.parse((await stratus('image', 'ls', '-o', 'json', '--root', root)).out) as Array<{ reference: string }>;
    assert.equal(json.length, 2);

    assert.equal((await stratus('image', 'rm', 'web:1', '--root', root)).out, 'removed docker.io/library/web:1\n');
    await assert.rejects(stratus('image', 'rm', 'web:1', '--root', root), /not in the store/);
    await assert.rejects(stratus('image', 'pull', `${registry.host}/nope:1`, '--root', root), /failed to pull image ".*nope:1": manifest unknown/);
  });
});
