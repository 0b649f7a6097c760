/**
 * Developer tool: builds k8s-messages.json (message name → fields) from the protobuf file descriptors that a
 * kubectl binary carries (gzipped FileDescriptorProtos registered by client-go's generated code), so the API
 * server can read the protobuf request bodies kubectl's typed clients send.
 *   node dist/src/apiserver/protobuf/extract-descriptors.js /usr/bin/kubectl src/apiserver/protobuf/k8s-messages.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readFields, readString } from './wire.js';
import type { MessageTable, FieldInfo } from './message-table.js';

/** Files whose messages the served kinds use (plus meta/v1 and its helpers). */
const WANTED = /^k8s\.io\/(api\/(core|apps|batch|autoscaling|coordination|events|policy|scheduling|networking|rbac|discovery)\/v[0-9a-z]+|apimachinery\/pkg\/(apis\/meta\/v1|runtime|api\/resource|util\/intstr))\/generated\.proto$/;

function parseMessage(buf: Uint8Array, prefix: string, out: MessageTable): void {
  let name = '';
  const fields: FieldInfo[] = [];
  const nested: Uint8Array[] = [];
  let mapEntry = false;
  for (const f of readFields(buf)) {
    if (f.number === 1) name = readString(f.value);
    else if (f.number === 2 && f.value instanceof Uint8Array) {
      let fname = '';
      let num = 0;
      let label = 1;
      let type = 0;
      let typeName: string | undefined;
      for (const g of readFields(f.value)) {
        if (g.number === 1) fname = readString(g.value);
        else if (g.number === 3) num = g.value as number;
        else if (g.number === 4) label = g.value as number;
        else if (g.number === 5) type = g.value as number;
        else if (g.number === 6) typeName = readString(g.value);
      }
      fields.push(typeName ? [num, fname, type, label, typeName] : [num, fname, type, label]);
    } else if (f.number === 3 && f.value instanceof Uint8Array) nested.push(f.value);
    else if (f.number === 7 && f.value instanceof Uint8Array) {
      for (const g of readFields(f.value)) if (g.number === 7 && g.value === 1) mapEntry = true;
    }
  }
  const full = `${prefix}.${name}`;
  out[full] = mapEntry ? { fields, map: true } : { fields };
  for (const n of nested) parseMessage(n, full, out);
}

export function extractFromBinary(binary: Buffer): MessageTable {
  const table: MessageTable = {};
  const magic = Buffer.from([0x1f, 0x8b, 0x08]);
  for (let i = binary.indexOf(magic); i >= 0; i = binary.indexOf(magic, i + 1)) {
    let file: Buffer;
    try {
      file = gunzipSync(binary.subarray(i, i + 1_000_000), { finishFlush: 2 });
    } catch {
      continue;
    }
    let fileName = '';
    let pkg = '';
    const messages: Uint8Array[] = [];
    try {
      for (const f of readFields(file)) {
        if (f.number === 1) fileName = readString(f.value);
        else if (f.number === 2) pkg = readString(f.value);
        else if (f.number === 4 && f.value instanceof Uint8Array) messages.push(f.value);
      }
    } catch {
      continue;
    }
    if (!WANTED.test(fileName)) continue;
    for (const m of messages) parseMessage(m, `.${pkg}`, table);
  }
  return table;
}

if (process.argv[1]?.endsWith('extract-descriptors.js')) {
  const [binary, out] = process.argv.slice(2);
  if (!binary || !out) {
    console.error('usage: extract-descriptors KUBECTL_BINARY OUTPUT_JSON');
    process.exit(2);
  }
  const table = extractFromBinary(readFileSync(binary));
  const sorted = Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(out, `${JSON.stringify(sorted)}\n`);
  console.log(`${Object.keys(sorted).length} messages written to ${out}`);
}
