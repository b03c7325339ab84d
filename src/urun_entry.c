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
#include <fcntl.h>
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

void urun_early(long *sp) EARLY;
void urun_early(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
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
  long mfd = n > 0 && !selfexe_raw_is_sealed((int)fd) ? selfexe_raw_copy((int)fd, "urun") : -1;
  selfexe_syscall(SYS_close, fd, 0, 0, 0, 0, 0);
  if (mfd < 0) return;
  path[n] = '\0';
  /* argv[0] tells the copy where urun lives (its helpers sit beside it) */
  char *nargv[argc + 1];
  nargv[0] = path;
  for (int i = 1; i <= argc; i++) nargv[i] = argv[i];
  selfexe_syscall(SYS_execveat, mfd, (long)"", (long)nargv, (long)envp, AT_EMPTY_PATH, 0);
  selfexe_syscall(SYS_close, mfd, 0, 0, 0, 0, 0);
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
