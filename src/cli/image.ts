/**
 * `stratus image …`: the node's image store from the command line.
 *   stratus image pull REF [--policy Always|IfNotPresent|Never] [--insecure-registry HOST]… [--docker-config FILE]
 *   stratus image import FILE.tar|OCI-LAYOUT-DIR NAME:TAG [--select NAME]
 *   stratus image ls [--no-trunc] [-o json]
 *   stratus image inspect REF
 *   stratus image rm REF… [--force]
 * Every subcommand takes --root DIR (default $STRATUS_ROOT, else ~/.stratus/node).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { DockerConfig } from '../runtime/images/docker-config.js';
import { ImageStore, type PullPolicy } from '../runtime/images/image-store.js';
import type { ImageInfo } from '../runtime/images/image-info.js';
import { formatBytes, type PullProgressEvent } from '../runtime/images/progress.js';
import type { RegistryAuth } from '../runtime/images/credentials.js';

export interface ImageCommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIO: ImageCommandIO = {
  out: (text) => { process.stdout.write(text); },
  err: (text) => { process.stderr.write(text); },
};

export function defaultImageRoot(): string {
  return process.env.STRATUS_ROOT ?? join(homedir(), '.stratus', 'node');
}

function rootOption(): Option {
  return new Option('--root <dir>', 'node state directory holding the image store (env STRATUS_ROOT)').default(defaultImageRoot(), '$STRATUS_ROOT or ~/.stratus/node');
}

/** Adds `image` with its subcommands to `program` (the `stratus` command). */
export function registerImageCommands(program: Command, io: ImageCommandIO = defaultIO): void {
  const image = program.command('image').description('pull, import, list and remove container images on this node');

  image.command('pull')
    .description('pull an image from its registry')
    .argument('<ref>', 'image reference, e.g. busybox:1.36 or 127.0.0.1:5000/app:v1')
    .addOption(rootOption())
    .addOption(new Option('--policy <policy>', 'pull policy').choices(['Always', 'IfNotPresent', 'Never']).default('Always'))
    .option('--insecure-registry <host>', 'reach this registry over plain HTTP (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--docker-config <file>', 'credentials: a docker config.json / .dockerconfigjson file')
    .option('-q, --quiet', 'print only the digest')
    .action(async (ref: string, opts: { root: string; policy: PullPolicy; insecureRegistry: string[]; dockerConfig?: string; quiet?: boolean }) => {
      const store = new ImageStore({ root: opts.root });
      let auth: RegistryAuth | undefined;
      if (opts.dockerConfig) auth = DockerConfig.parse(await readFile(opts.dockerConfig, 'utf8'));
      const onProgress = (e: PullProgressEvent): void => { if (e.message && !opts.quiet) io.err(`${e.message}\n`); };
      const info = await store.pull(ref, {
        policy: opts.policy,
        insecureRegistries: opts.insecureRegistry,
        onProgress,
        ...(auth ? { auth } : {}),
      });
      io.out(opts.quiet ? `${info.digest}\n` : `${info.reference}@${info.digest}\n`);
    });

  image.command('import')
    .description('import an OCI layout (directory or tar) or a docker save tar under a name')
    .argument('<archive>', 'FILE.tar or OCI-LAYOUT-DIR')
    .argument('<name>', 'NAME:TAG to store it as')
    .addOption(rootOption())
    .option('--select <name>', 'which image of a multi-image archive (its ref name or docker tag)')
    .action(async (archive: string, name: string, opts: { root: string; select?: string }) => {
      const store = new ImageStore({ root: opts.root });
      const info = await store.importArchive(archive, name, opts.select ? { select: opts.select } : {});
      io.out(`imported ${info.reference}@${info.digest} (${formatBytes(info.size)})\n`);
    });

  image.command('ls')
    .alias('list')
    .description('list stored images')
    .addOption(rootOption())
    .option('--no-trunc', 'show full digests')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (opts: { root: string; trunc: boolean; output: 'table' | 'json' }) => {
      const images = await new ImageStore({ root: opts.root }).list();
      if (opts.output === 'json') { io.out(`${JSON.stringify(images, null, 2)}\n`); return; }
      io.out(formatImageTable(images, opts.trunc));
    });

  image.command('inspect')
    .description('show what the store knows about an image, as JSON')
    .argument('<ref>', 'image reference or image id')
    .addOption(rootOption())
    .action(async (ref: string, opts: { root: string }) => {
      const info = await new ImageStore({ root: opts.root }).get(ref);
      if (!info) throw new Error(`image "${ref}" is not in the store at ${opts.root}; pull or import it first`);
      io.out(`${JSON.stringify(info, null, 2)}\n`);
    });

  image.command('rm')
    .alias('remove')
    .description('remove images and the layers nothing else uses')
    .argument('<refs...>', 'image references')
    .addOption(rootOption())
    .option('--force', 'remove even if a container root filesystem uses it')
    .action(async (refs: string[], opts: { root: string; force?: boolean }) => {
      const store = new ImageStore({ root: opts.root });
      for (const ref of refs) {
        const removed = await store.remove(ref, { force: opts.force === true });
        if (removed.length === 0) throw new Error(`image "${ref}" is not in the store at ${opts.root}`);
        for (const r of removed) io.out(`removed ${r}\n`);
      }
    });
}

/** kubectl-style table: upper-case headers, columns separated by three spaces. */
export function formatImageTable(images: ImageInfo[], truncate = true): string {
  const rows = [['REPOSITORY', 'TAG', 'DIGEST', 'SIZE']];
  for (const i of images) {
    const digest = truncate ? i.digest.slice(0, 'sha256:'.length + 12) : i.digest;
    rows.push([i.repository, i.tag ?? '<none>', digest, formatBytes(i.size)]);
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd((widths[c] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}
