// ContainerRuntime: runc containers of one node root, each watched by its own detached stratus-shim so
// containers and their exit codes survive the agent being killed.
//
// Layout under `root`:
//   runc/                 runc --root (container state)
//   containers/<id>       the bundle (a directory, or a symlink to the caller's bundleDir):
//     config.json         OCI spec
//     stratus.json        ContainerMeta (labels, annotations, log path, times, shim pid)
//     init.pid            container init pid (written by runc create)
//     exit.json           written by the shim when the container exits
//     shim.log, runc.log  diagnostics
import { execFile } from 'node:child_process';
import { watch, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile, readdir, readlink, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ContainerConfig, ContainerResources } from './container-config.js';
import { buildOciSpec, milliCpuToQuota, milliCpuToShares } from './oci-spec.js';
import { ensureShimBinary } from './shim-binary.js';
import { RuntimeError } from './errors.js';
import { cgroupDir, readCgroupStats, type ContainerStats } from './cgroup-stats.js';
import { runExec, type ExecOptions } from './exec.js';
import { overlayOptions, type OverlaySpec } from './images/overlay-mount.js';
import { readJsonFile, writeFileAtomic } from './state-files.js';
import { ShimLauncher } from './shim-launcher.js';

const execFileP = promisify(execFile);

export interface ContainerRuntimeOptions {
  /** State directory of this node's runtime (one per simulated node). */
  root: string;
  runcPath?: string;
  /** Rotate a container log when it reaches this size (default 10 MiB). */
  logMaxBytes?: number;
  /** Log files kept per container, the current one included (default 5). */
  logMaxFiles?: number;
  /** Awaited before background work such as forking the next waiting shim, e.g. until no pod start is in flight. */
  backgroundGate?: () => Promise<void>;
}

export interface CreateOptions {
  /** CRI-format log file of the container (rotations are `<logPath>.1` …). */
  logPath: string;
  /** Where to put the bundle; default `<root>/containers/<id>`. */
  bundleDir?: string;
  /** The root filesystem's overlay, mounted by the shim first (ImageStore.prepareRootfs): no `mount` process. */
  overlay?: OverlaySpec;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  state: ContainerState;
  pid?: number;
  exitCode?: number;
  /** Set when the container was killed by a signal (exitCode is then 128 + signal). */
  signal?: number;
  oomKilled: boolean;
  /** Why the state is what it is when something went wrong, e.g. "ExitCodeLost". */
  reason?: string;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logPath: string;
  bundleDir: string;
}

interface ContainerMeta {
  id: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logPath: string;
  cgroupsPath: string;
  createdAt: string;
  startedAt?: string;
  shimPid?: number;
  initPid?: number;
  ownsBundle: boolean;
}

interface ExitRecord {
  exitCode: number;
  signal: number;
  oomKilled: boolean;
  finishedAt: string;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class ContainerRuntime {
  readonly root: string;
  readonly runcRoot: string;
  readonly containersDir: string;
  private readonly runc: string;
  private readonly backgroundGate: (() => Promise<void>) | undefined;
  private readonly logMaxBytes: number;
  private readonly logMaxFiles: number;

  constructor(options: ContainerRuntimeOptions) {
    this.root = options.root;
    this.runcRoot = join(options.root, 'runc');
    this.containersDir = join(options.root, 'containers');
    this.runc = options.runcPath ?? 'runc';
    this.backgroundGate = options.backgroundGate;
    this.logMaxBytes = options.logMaxBytes ?? 10 * 1024 * 1024;
    this.logMaxFiles = options.logMaxFiles ?? 5;
  }

  bundleDir(id: string): string {
    return join(this.containersDir, id);
  }

  private dirsMade = false;
  private shims: ShimLauncher | undefined;

  private launcher(shim: string): ShimLauncher {
    this.shims ??= new ShimLauncher(shim, this.runc, this.backgroundGate);
    return this.shims;
  }

  /** Ends the runtime's helper processes (a waiting shim, the runc copy's holder); containers keep running. */
  close(): void {
    this.shims?.close();
    this.shims = undefined;
  }

  /** The containers and runc state directories, made once per process (again if something removed them). */
  private ensureDirs(): void {
    if (this.dirsMade && existsNow(this.containersDir) && existsNow(this.runcRoot)) return;
    mkdirSync(this.containersDir, { recursive: true });
    mkdirSync(this.runcRoot, { recursive: true });
    this.dirsMade = true;
  }

  /** Creates the container (runc create under a shim); its process waits until start(). */
  async createContainer(id: string, config: ContainerConfig, options: CreateOptions): Promise<ContainerStatus> {
    return this.launch(id, config, options, false);
  }

  private async launch(id: string, config: ContainerConfig, options: CreateOptions, start: boolean): Promise<ContainerStatus> {
    if (!ID_PATTERN.test(id)) {
      throw new RuntimeError('InvalidId', `container id "${id}" must match ${ID_PATTERN} (letters, digits, _ . -)`);
    }
    const link = this.bundleDir(id);
    if (existsNow(link)) {
      throw new RuntimeError('AlreadyExists', `container ${id} already exists; remove it first`);
    }
    const shim = await ensureShimBinary();
    this.ensureDirs();
    const ownsBundle = !options.bundleDir;
    const bundle = options.bundleDir ?? link;
    const spec = JSON.stringify(buildOciSpec(config));
    const meta: ContainerMeta = {
      id,
      labels: config.labels ?? {},
      annotations: config.annotations ?? {},
      logPath: options.logPath,
      cgroupsPath: config.cgroupsPath,
      createdAt: new Date().toISOString(),
      ownsBundle,
    };
    mkdirSync(bundle, { recursive: true });
    if (!ownsBundle) symlinkSync(bundle, link);
    mkdirSync(dirname(options.logPath), { recursive: true });
    writeFileSync(join(bundle, 'config.json'), spec);
    writeJsonAtomic(join(bundle, 'stratus.json'), meta);

    const launchedAt = new Date().toISOString();
    const overlay = options.overlay ? overlayOptions(options.overlay) : undefined;
    const launcher = this.launcher(shim);
    const { child, handshake: handshakeDone } = launcher.launch([
      '--runc', launcher.runcBinary(),
      '--runc-fallback', this.runc,
      '--shim-log', join(bundle, 'shim.log'),
      '--root', this.runcRoot,
      '--bundle', bundle,
      '--id', id,
      '--log', options.logPath,
      '--exit-file', join(bundle, 'exit.json'),
      '--log-max-bytes', String(this.logMaxBytes),
      '--log-max-files', String(this.logMaxFiles),
      '--memory-cgroup', cgroupDir('memory', config.cgroupsPath),
      '--start', start ? '1' : '0',
      ...(overlay ? ['--overlay-target', resolve(options.overlay!.target), '--overlay-options', overlay.options, '--overlay-cwd', overlay.cwd] : []),
    ]);
    const handshake = await handshakeDone;
    child.unref();
    const ok = /^OK (\d+)/.exec(handshake);
    if (!ok) {
      const message = handshake.replace(/^ERR\s*/, '').trim() || (await this.tail(join(bundle, 'shim.log')));
      await this.remove(id).catch(() => undefined);
      throw new RuntimeError('CreateFailed', `container ${id} could not be created: ${message}`);
    }
    meta.shimPid = child.pid;
    meta.initPid = Number(ok[1]);
    if (start) meta.startedAt = launchedAt;
    writeJsonAtomic(join(bundle, 'stratus.json'), meta);
    // Known without asking runc (each runc call costs ~10 ms of Go start-up).
    return { ...this.baseStatus(meta), state: start ? 'running' : 'created', pid: meta.initPid };
  }

  /** Starts a created container's process. */
  async start(id: string): Promise<ContainerStatus> {
    const meta = await this.meta(id);
    // Taken before the process can run, so that startedAt <= finishedAt even for instant exits.
    const startedAt = new Date().toISOString();
    await this.runcCmd(['start', id]);
    meta.startedAt = startedAt;
    writeJsonAtomic(join(this.bundleDir(id), 'stratus.json'), meta);
    const exit = readJsonFile<ExitRecord>(join(this.bundleDir(id), 'exit.json'));
    if (exit) return this.exitedStatus(meta, exit);
    return { ...this.baseStatus(meta), state: 'running', ...(meta.initPid ? { pid: meta.initPid } : {}) };
  }

  /** create + start in one step (`runc run -d` under the shim: one runc process instead of two). */
  async run(id: string, config: ContainerConfig, options: CreateOptions): Promise<ContainerStatus> {
    return this.launch(id, config, options, true);
  }

  /** Sends a signal to the container's init (e.g. "TERM", "KILL", "HUP"). */
  async kill(id: string, signal: string): Promise<void> {
    await this.runcCmd(['kill', id, signal]);
  }

  /** SIGTERM, wait up to graceSeconds for the exit, then SIGKILL. Resolves with the final status. */
  async stop(id: string, graceSeconds: number): Promise<ContainerStatus> {
    let status = await this.state(id);
    if (status.state === 'exited' || status.state === 'unknown') return status;
    if (status.state === 'running' && graceSeconds > 0) {
      await this.kill(id, 'TERM').catch(() => undefined);
      status = await this.waitExit(id, graceSeconds * 1000);
      if (status.state === 'exited') return status;
    }
    await this.kill(id, 'KILL').catch(() => undefined);
    status = await this.waitExit(id, 10_000);
    if (status.state !== 'exited') {
      throw new RuntimeError('Timeout', `container ${id} did not exit 10 s after SIGKILL (state ${status.state})`);
    }
    return status;
  }

  /** Force-deletes the container and removes its bundle and logs. Idempotent. */
  async remove(id: string, options: { keepLogs?: boolean } = {}): Promise<void> {
    const link = this.bundleDir(id);
    const meta = readJsonFile<ContainerMeta>(join(link, 'stratus.json'));
    await this.runcCmd(['delete', '--force', id]).catch((err: RuntimeError) => {
      if (!/does not exist|not exist/.test(err.message)) throw err;
    });
    if (meta && !options.keepLogs) await removeLogFiles(meta.logPath, this.logMaxFiles);
    if (meta && !meta.ownsBundle) {
      const target = await readlink(link).catch(() => undefined);
      if (target) await rm(target, { recursive: true, force: true });
    }
    await rm(link, { recursive: true, force: true });
  }

  async state(id: string): Promise<ContainerStatus> {
    const meta = await this.meta(id);
    return this.statusFrom(meta, await this.runcStates([id]));
  }

  /** Every container of this root (running, created or exited), e.g. to adopt them after a restart. */
  async list(): Promise<ContainerStatus[]> {
    let ids: string[];
    try {
      ids = await readdir(this.containersDir);
    } catch {
      return [];
    }
    const runcStates = await this.runcStates();
    const out: ContainerStatus[] = [];
    for (const id of ids) {
      const meta = readJsonFile<ContainerMeta>(join(this.containersDir, id, 'stratus.json'));
      if (meta) out.push(await this.statusFrom(meta, runcStates));
    }
    return out;
  }

  /** Whether a container with this id has a bundle here (one lstat, no runc call). */
  async has(id: string): Promise<boolean> {
    return ID_PATTERN.test(id) && existsNow(this.bundleDir(id));
  }

  /** Cheap exit check (one stat, no runc call), e.g. for readLogs' isFinished while following. */
  async hasExited(id: string): Promise<boolean> {
    if (existsNow(join(this.bundleDir(id), 'exit.json'))) return true;
    const meta = readJsonFile<ContainerMeta>(join(this.bundleDir(id), 'stratus.json'));
    return !meta || !isAlive(meta.shimPid);
  }

  /** Resolves when the container has exited (or after timeoutMs with its current status). */
  async waitExit(id: string, timeoutMs = Infinity): Promise<ContainerStatus> {
    const deadline = Date.now() + timeoutMs;
    const bundle = this.bundleDir(id);
    for (;;) {
      const status = await this.state(id);
      if (status.state === 'exited' || status.state === 'unknown' || Date.now() >= deadline) return status;
      await new Promise<void>((resolve) => {
        const wait = Math.min(250, Math.max(0, deadline - Date.now()));
        let watcher: ReturnType<typeof watch> | undefined;
        const done = () => {
          clearTimeout(timer);
          watcher?.close();
          resolve();
        };
        const timer = setTimeout(done, wait);
        try {
          watcher = watch(bundle, (_event, name) => {
            if (name === 'exit.json') done();
          });
          watcher.on('error', done);
        } catch {
          // bundle gone: the next state() says so
        }
      });
    }
  }

  /**
   * Calls `listener` once per container of this root that has exited (including ones that exited before the
   * call, e.g. while the agent was down), polling the shims' exit files every intervalMs. Returns a stop function.
   */
  watchExits(listener: (status: ContainerStatus) => void, intervalMs = 250): () => void {
    const reported = new Set<string>();
    let busy = false;
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const ids = await readdir(this.containersDir).catch(() => [] as string[]);
        const present = new Set(ids);
        for (const id of reported) if (!present.has(id)) reported.delete(id);
        for (const id of ids) {
          if (reported.has(id)) continue;
          if (!existsNow(join(this.containersDir, id, 'exit.json'))) continue;
          const status = await this.state(id).catch(() => undefined);
          if (status?.state !== 'exited') continue;
          reported.add(id);
          listener(status);
        }
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), intervalMs);
    timer.unref();
    void tick();
    return () => clearInterval(timer);
  }

  /** Changes a running container's limits in place (runc update). */
  async update(id: string, resources: ContainerResources): Promise<void> {
    await this.meta(id);
    const args = ['update'];
    if (resources.cpuRequestMilli !== undefined) args.push('--cpu-share', String(milliCpuToShares(resources.cpuRequestMilli)));
    if (resources.cpuLimitMilli !== undefined && resources.cpuLimitMilli > 0) {
      args.push('--cpu-period', '100000', '--cpu-quota', String(milliCpuToQuota(resources.cpuLimitMilli)));
    }
    if (resources.memoryLimitBytes !== undefined && resources.memoryLimitBytes > 0) {
      args.push('--memory', String(resources.memoryLimitBytes), '--memory-swap', String(resources.memoryLimitBytes));
    }
    if (resources.pidsLimit !== undefined && resources.pidsLimit > 0) args.push('--pids-limit', String(resources.pidsLimit));
    if (args.length === 1) return;
    await this.runcCmd([...args, id]);
  }

  async stats(id: string): Promise<ContainerStats> {
    const meta = await this.meta(id);
    return readCgroupStats(meta.cgroupsPath);
  }

  /** Runs a process in the container; resolves with its exit code. */
  async exec(id: string, options: ExecOptions): Promise<number> {
    const status = await this.state(id);
    if (status.state !== 'running') {
      throw new RuntimeError('NotRunning', `container ${id} is ${status.state}; exec needs a running container`);
    }
    const shim = options.tty ? await ensureShimBinary() : undefined;
    return runExec({ runc: this.runc, runcRoot: this.runcRoot, id, shim, bundle: this.bundleDir(id) }, options);
  }

  /** Removes a parent cgroup such as a pod's (and empty leftovers below it) in every v1 controller. Idempotent. */
  async removeCgroup(cgroupsPath: string): Promise<void> {
    await Promise.all(CGROUP_V1_CONTROLLERS.map((c) => removeCgroupTree(cgroupDir(c, cgroupsPath))));
  }

  private baseStatus(meta: ContainerMeta): Omit<ContainerStatus, 'state'> {
    return {
      id: meta.id,
      oomKilled: false,
      createdAt: new Date(meta.createdAt),
      ...(meta.startedAt ? { startedAt: new Date(meta.startedAt) } : {}),
      labels: meta.labels,
      annotations: meta.annotations,
      logPath: meta.logPath,
      bundleDir: this.bundleDir(meta.id),
    };
  }

  private exitedStatus(meta: ContainerMeta, exit: ExitRecord): ContainerStatus {
    return {
      ...this.baseStatus(meta),
      state: 'exited',
      exitCode: exit.exitCode,
      ...(exit.signal ? { signal: exit.signal } : {}),
      oomKilled: exit.oomKilled,
      ...(exit.oomKilled ? { reason: 'OOMKilled' } : {}),
      finishedAt: new Date(exit.finishedAt),
    };
  }

  private async statusFrom(meta: ContainerMeta, runcStates: Map<string, RuncState>): Promise<ContainerStatus> {
    const bundle = this.bundleDir(meta.id);
    const base = this.baseStatus(meta);
    const exited = (exit: ExitRecord) => this.exitedStatus(meta, exit);
    let exit = readJsonFile<ExitRecord>(join(bundle, 'exit.json'));
    if (exit) return exited(exit);
    const rs = runcStates.get(meta.id);
    if (rs && (rs.status === 'running' || rs.status === 'paused')) {
      return { ...base, state: meta.startedAt ? 'running' : 'created', pid: rs.pid };
    }
    if (rs && rs.status === 'created') return { ...base, state: 'created', pid: rs.pid };
    // Stopped (or gone) without an exit record: the shim is about to write it, or it died.
    for (let i = 0; i < 40 && isAlive(meta.shimPid); i++) {
      await sleep(50);
      exit = readJsonFile<ExitRecord>(join(bundle, 'exit.json'));
      if (exit) return exited(exit);
    }
    if (!rs && !meta.shimPid) return { ...base, state: 'unknown', reason: 'NotCreated' };
    return { ...base, state: 'exited', exitCode: 255, reason: 'ExitCodeLost', finishedAt: new Date() };
  }

  private async meta(id: string): Promise<ContainerMeta> {
    const meta = readJsonFile<ContainerMeta>(join(this.bundleDir(id), 'stratus.json'));
    if (!meta) throw new RuntimeError('NotFound', `container ${id} not found under ${this.root}`);
    return meta;
  }

  private async runcStates(ids?: string[]): Promise<Map<string, RuncState>> {
    const out = new Map<string, RuncState>();
    if (ids?.length === 1) {
      try {
        const s = JSON.parse(await this.runcCmd(['state', ids[0]!])) as RuncState;
        out.set(s.id, s);
      } catch {
        // does not exist
      }
      return out;
    }
    try {
      const list = JSON.parse((await this.runcCmd(['list', '--format', 'json'])) || 'null') as RuncState[] | null;
      for (const s of list ?? []) out.set(s.id, s);
    } catch {
      // no runc root yet
    }
    return out;
  }

  private async runcCmd(args: string[]): Promise<string> {
    try {
      const { stdout } = await execFileP(this.runc, ['--root', this.runcRoot, ...args], { maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new RuntimeError('RuncFailed', `runc ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
    }
  }

  private async tail(path: string): Promise<string> {
    const text = await readFile(path, 'utf8').catch(() => '');
    return text.trim().split('\n').slice(-5).join(' ') || 'no diagnostics (see the bundle)';
  }
}

function existsNow(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

interface RuncState {
  id: string;
  pid: number;
  status: 'created' | 'running' | 'paused' | 'stopped';
  bundle: string;
}

const CGROUP_V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'devices', 'freezer', 'blkio', 'net_cls', 'net_prio', 'hugetlb', 'perf_event', 'systemd', 'unified'];

/** cgroup directories go with rmdir, children first (their pseudo files cannot be unlinked). */
async function removeCgroupTree(dir: string): Promise<void> {
  const children = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const child of children) if (child.isDirectory()) await removeCgroupTree(join(dir, child.name));
  await rmdir(dir).catch(() => undefined);
}

export async function removeLogFiles(logPath: string, maxFiles: number): Promise<void> {
  const paths = [logPath];
  for (let i = 1; i < Math.max(maxFiles, 2); i++) paths.push(`${logPath}.${i}`);
  await Promise.all(paths.map((p) => rm(p, { force: true })));
}
