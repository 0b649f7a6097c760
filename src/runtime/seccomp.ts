// The RuntimeDefault seccomp profile, as a deny-list: everything is allowed except the system calls Docker's
// default profile documents as blocked (kernel modules, keyrings, clock, reboot, namespaces, mount, tracing …).
// Unknown names are skipped by runc on kernels that lack them.

export interface OciSeccomp {
  defaultAction: 'SCMP_ACT_ALLOW' | 'SCMP_ACT_ERRNO';
  architectures?: string[];
  syscalls: Array<{ names: string[]; action: 'SCMP_ACT_ERRNO' | 'SCMP_ACT_ALLOW'; errnoRet?: number }>;
}

export const RUNTIME_DEFAULT_BLOCKED_SYSCALLS = [
  'acct', 'add_key', 'bpf', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module', 'finit_module',
  'get_kernel_syms', 'get_mempolicy', 'init_module', 'ioperm', 'iopl', 'kcmp', 'kexec_file_load', 'kexec_load',
  'keyctl', 'lookup_dcookie', 'mbind', 'mount', 'move_pages', 'name_to_handle_at', 'nfsservctl', 'open_by_handle_at',
  'perf_event_open', 'pivot_root', 'process_vm_readv', 'process_vm_writev', 'ptrace', 'query_module', 'quotactl',
  'reboot', 'request_key', 'set_mempolicy', 'setns', 'settimeofday', 'stime', 'swapon', 'swapoff', 'sysfs', '_sysctl',
  'umount', 'umount2', 'unshare', 'uselib', 'userfaultfd', 'ustat', 'vm86', 'vm86old',
];

const EPERM = 1;

export function runtimeDefaultSeccomp(): OciSeccomp {
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    syscalls: [{ names: RUNTIME_DEFAULT_BLOCKED_SYSCALLS, action: 'SCMP_ACT_ERRNO', errnoRet: EPERM }],
  };
}
