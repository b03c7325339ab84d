/* sandbox_rules.c: the helper's syscall allowlist, compiled into a BPF
 * program at build time (filter_gen.c): libseccomp's resolving and
 * compiling took 0.4-0.9 ms of each mount's start, as long as the rest of
 * the helper's start-up. Anything off the list fails with EPERM rather than
 * killing: an unforeseen library call shows as an error of one request,
 * not as a dead mount. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/fs.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>

#include "helper_util.h"
#include "sandbox.h"

static const char *const allowed[] = {
    /* memory, threads, signals, time */
    "mmap", "munmap", "mremap", "mprotect", "madvise", "brk", "futex", "set_robust_list", "get_robust_list",
    "rseq", "exit", "exit_group", "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack", "getpid",
    "gettid", "tgkill", "clock_gettime", "clock_getres", "gettimeofday", "nanosleep", "clock_nanosleep",
    "restart_syscall", "sched_yield", "sched_getaffinity", "getrandom", "getuid", "geteuid", "getgid", "getegid",
    "wait4", "membarrier",
    /* /dev/fuse and the data path */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "preadv2", "pwritev2",
    "splice", "tee", "vmsplice", "pipe2", "close", "poll", "ppoll", "dup", "dup2", "dup3", "fcntl", "lseek",
    "fsync", "fdatasync", "fallocate", "copy_file_range", "ftruncate", "sendfile",
    /* the layers, by fd */
    "openat", "openat2", "newfstatat", "fstat", "statx", "fstatfs", "getdents64", "mkdirat", "mknodat",
    "symlinkat", "linkat", "unlinkat", "renameat", "renameat2", "readlinkat", "fchmod", "fchmodat", "fchmodat2",
    "fchown", "fchownat", "utimensat", "faccessat", "faccessat2", "fgetxattr", "fsetxattr", "flistxattr",
    "fremovexattr", "lgetxattr", "lsetxattr", "llistxattr", "lremovexattr", "getxattr", "setxattr",
    "listxattr", "removexattr",
    /* the unmount on SIGTERM (root) */
    "umount2",
    NULL,
};

int sandbox_rules(void *ctx) {
  if (helper_seccomp_allow(ctx, allowed) < 0) return -errno;
  /* threads, but no new namespaces */
  const uint64_t ns = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC |
                      CLONE_NEWCGROUP | CLONE_NEWTIME;
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, ns, 0));
  /* clone3's flags are behind a pointer: glibc falls back to clone */
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  /* reflink on copy-up, and nothing else of ioctl */
  if (rc == 0) rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, FICLONE));
  return rc;
}
