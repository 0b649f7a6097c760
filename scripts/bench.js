#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs dist/bench/NAME.js (build first with `npm run setup`).
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const benchDir = join(root, 'dist', 'bench');
const [name, ...rest] = process.argv.slice(2);
const available = existsSync(benchDir) ? readdirSync(benchDir).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)) : [];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (available: ${available.join(', ') || 'none; run npm run setup first'})`);
  process.exit(2);
}
const run = spawnSync(process.execPath, [join(benchDir, `${name}.js`), ...rest], { stdio: 'inherit' });
process.exit(run.status ?? 1);
