/* selfexe.c: CVE-2019-5736.  A process that goes into a container must not
 * be running from the host's urun binary: while it is, the container can
 * execve("/proc/self/exe") (or a symlink to it, or a "#!/proc/self/exe"
 * script) and so run that very file as one of its own processes, take an
 * O_PATH fd on /proc/PID/exe, and once it exits reopen it for writing.
 * Non-dumpable does not help: the execve itself runs the binary.
 *
 * So the commands that put processes into containers (create, run, exec)
 * first re-execute urun from a copy in a sealed memfd: nothing can change
 * it (selfexe_raw.h's seals), it is not the host's file, and once running,
 * urun takes away its execute bits so that the container cannot even run
 * the copy.  On x86_64 urun's entry point makes the copy before the C
 * library starts (src/urun_entry.c), so that start-up is not paid twice;
 * selfexe_ensure_sealed is the rule everywhere.  Helpers (urun-slirp,
 * urun-fuse-overlay) are started from such copies too.
 *
 * A user's urun (no capability in the host's user namespace) copies a
 * stub of a few hundred bytes instead of 1.5 MB: a program whose ELF
 * interpreter is urun's own file, opened by fd (selfexe_raw_stub).  Its
 * exe, the one thing of it that /proc opens for another process, is the
 * sealed stub; its code is mapped from the host's file, which only
 * /proc/PID/map_files would open, and that takes CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE in the host's user namespace, which a user's
 * containers never have.  Root's containers may: root copies the whole
 * binary (security.sh's privileged-container test is that attack). */
#define _GNU_SOURCE
#include "config.h"
#include "selfexe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "cleanup.h"
#include "selfexe_raw.h"

/* Where the re-executed urun came from (argv[0] as stage one set it). */
static const char *original_path;

urun_error *selfexe_sealed_copy(int srcfd, const char *name, int *ret_fd) {
  long fd = selfexe_raw_copy(srcfd, name);
  if (fd == -EACCES)
    return urun_error_code(EACCES, "sealed copy of %s: memfd_create (urun runs container processes from a sealed "
                                   "copy of itself, against CVE-2019-5736; vm.memfd_noexec=2 forbids that)", name);
  if (fd < 0) return urun_error_code((int)-fd, "sealed copy of %s", name);
  *ret_fd = (int)fd;
  return NULL;
}

static bool under_valgrind(void) {
#ifdef HAVE_VALGRIND_VALGRIND_H
  /* valgrind follows no execveat of a memfd: the copy would run unchecked,
   * and the leak stage would pass having seen nothing */
  return RUNNING_ON_VALGRIND;
#else
  return false;
#endif
}

urun_error *selfexe_ensure_sealed(char **argv) {
  if (under_valgrind()) return NULL;
  _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return urun_error_errno("open /proc/self/exe (urun needs /proc to protect its binary)");
  if (selfexe_raw_is_sealed(fd)) {
    original_path = argv[0];
    /* the copy has done its part: a process in the container that tries
     * to execute it (/proc/self/exe, a script naming it) gets EACCES */
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 0111) && fchmod(fd, st.st_mode & 0444) < 0)
      return urun_error_errno("take the execute bits off urun's sealed copy");
    prctl(PR_SET_NAME, "urun", 0, 0, 0); /* not "memfd:urun" in ps and /proc */
    return NULL;
  }
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return urun_error_errno("readlink /proc/self/exe");
  path[n] = '\0';
  int mfd;
  TRY(selfexe_sealed_copy(fd, "urun", &mfd));
  /* argv[0] tells the copy where urun lives (its helpers sit beside it) */
  argv[0] = path;
  extern char **environ;
  syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
  urun_error *e = urun_error_errno("re-execute urun from its sealed copy");
  close(mfd);
  return e;
}

char *selfexe_path(void) {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return original_path && original_path[0] == '/' ? strdup(original_path) : NULL;
  path[n] = '\0';
  /* a memfd reads "/memfd:urun (deleted)": the file stage one ran from */
  if (!strncmp(path, "/memfd:", 7)) return original_path && original_path[0] == '/' ? strdup(original_path) : NULL;
  return strdup(path);
}
