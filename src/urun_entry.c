/* urun_entry.c: urun's ELF entry point on x86_64 (-e urun_entry).  For the
 * commands that put a process into a container it makes the sealed copy of
 * urun and executes it before the C library starts (see selfexe.c): glibc's
 * start-up (its CPU feature probing traps to the hypervisor in a VM) is then
 * paid once, by the copy, not twice.  Anything unexpected, and every other
 * command, goes on to libc's _start untouched; main's selfexe_ensure_sealed
 * still holds the rule (and reports its errors).
 *
 * Nothing here may use libc, errno (TLS), the stack protector, a sanitizer
 * or an address that needs relocating (no tables of pointers): a static PIE
 * relocates itself in _start, after this. */
#include "config.h"

#if defined(__x86_64__)
#include <elf.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "lib/selfexe_raw.h"

#define EARLY SELFEXE_FREESTANDING __attribute__((used))

static int same(const char *a, const char *b) EARLY;
static int same(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

/* The command, past the global options (parse_globals' list); NULL where
 * the arguments are not plain enough to tell: main decides then. */
static const char *command_of(int argc, char **argv) EARLY;
static const char *command_of(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-') return a;
    if (same(a, "--root") || same(a, "--log") || same(a, "--log-format") || same(a, "--rootless") ||
        same(a, "--cgroup-manager"))
      i++;
    else if (!same(a, "--debug") && !same(a, "--systemd-cgroup")) {
      /* --opt=value takes no second word; anything else is main's to judge */
      int eq = 0;
      for (const char *p = a; *p; p++) eq |= *p == '=';
      if (!eq || a[1] != '-') return 0;
    }
  }
  return 0;
}

/* Run as the interpreter of selfexe_raw_stub's program, urun finds the
 * stub's program headers and entry in its auxiliary vector, where libc's
 * start-up looks for its own (TLS, RELRO): point them back at urun. */
extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));
extern char _start[] __attribute__((visibility("hidden")));

static void claim_auxv(long *auxv) EARLY;
static void claim_auxv(long *auxv) {
  long *base = 0;
  for (long *a = auxv; a[0] != AT_NULL; a += 2)
    if (a[0] == AT_BASE) base = a;
  if (!base || !base[1]) return; /* started as a program */
  const Elf64_Ehdr *eh = &__ehdr_start;
  for (long *a = auxv; a[0] != AT_NULL; a += 2) {
    if (a[0] == AT_PHDR) a[1] = (long)eh + (long)eh->e_phoff;
    else if (a[0] == AT_PHNUM) a[1] = eh->e_phnum;
    else if (a[0] == AT_PHENT) a[1] = sizeof(Elf64_Phdr);
    else if (a[0] == AT_ENTRY) a[1] = (long)_start;
  }
  base[1] = 0;
}

/* Whether no container this process makes can hold a capability in the
 * initial user namespace: then /proc/PID/map_files, the one way from a
 * process to a file it maps but was not started from, is closed to the
 * container, and the stub is as safe as a whole copy. */
static int unprivileged(void) EARLY;
static int unprivileged(void) {
  if (selfexe_syscall(SYS_geteuid, 0, 0, 0, 0, 0, 0) == 0) return 0;
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  if (selfexe_syscall(SYS_capget, (long)&hdr, (long)data, 0, 0, 0, 0) < 0) return 0;
  return !(data[0].effective | data[1].effective | data[0].permitted | data[1].permitted);
}

void urun_early(long *sp) EARLY;
void urun_early(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1), **envp = argv + argc + 1, **e = envp;
  while (*e) e++;
  claim_auxv((long *)(e + 1));
  const char *cmd = command_of(argc, argv);
  if (!cmd || !(same(cmd, "create") || same(cmd, "run") || same(cmd, "exec"))) return;
#ifdef HAVE_VALGRIND_VALGRIND_H
  if (RUNNING_ON_VALGRIND) return;
#endif
  static const char self[] = "/proc/self/exe";
  long fd = selfexe_syscall(SYS_open, (long)self, O_RDONLY | O_CLOEXEC, 0, 0, 0, 0);
  if (fd < 0) return;
  char path[4096];
  long n = selfexe_syscall(SYS_readlink, (long)self, (long)path, sizeof(path) - 1, 0, 0, 0);
  long mfd = -1;
  if (n > 0 && !selfexe_raw_is_sealed((int)fd)) {
    /* A user's containers get the stub: no 1.5 MB copy at each start.
     * fd stays open for the exec, which opens /proc/self/fd/FD. */
    if (unprivileged()) mfd = selfexe_raw_stub((int)fd, "urun");
    if (mfd < 0) {
      mfd = selfexe_raw_copy((int)fd, "urun");
      selfexe_syscall(SYS_close, fd, 0, 0, 0, 0, 0), fd = -1;
    }
  }
  if (mfd < 0) {
    selfexe_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
    return;
  }
  path[n] = '\0';
  /* argv[0] tells the copy where urun lives (its helpers sit beside it) */
  char *nargv[argc + 1];
  nargv[0] = path;
  for (int i = 1; i <= argc; i++) nargv[i] = argv[i];
  selfexe_syscall(SYS_execveat, mfd, (long)"", (long)nargv, (long)envp, AT_EMPTY_PATH, 0);
  selfexe_syscall(SYS_close, mfd, 0, 0, 0, 0, 0);
  if (fd >= 0) selfexe_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
}

/* The kernel enters with rsp at argc and rdx for _start (0, or the dynamic
 * loader's finalizer): both as they were when urun_early returns. */
__asm__(".text\n"
        ".globl urun_entry\n"
        ".hidden urun_entry\n"
        ".type urun_entry, @function\n"
        "urun_entry:\n"
        "  mov %rsp, %rbx\n"
        "  mov %rdx, %r12\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call urun_early\n"
        "  mov %rbx, %rsp\n"
        "  mov %r12, %rdx\n"
        "  jmp _start\n"
        ".size urun_entry, .-urun_entry\n");
#endif
