/* selfexe.c: CVE-2019-5736.  A process that goes into a container must not
 * be running from the host's urun binary: while it is, the container can
 * execve("/proc/self/exe") (or a symlink to it, or a "#!/proc/self/exe"
 * script) and so run that very file as one of its own processes, take an
 * O_PATH fd on /proc/PID/exe, and once it exits reopen it for writing.
 * Non-dumpable does not help: the execve itself runs the binary.
 *
 * So the commands that put processes into containers (create, run, exec)
 * first re-execute urun from a copy in a sealed memfd: nothing can change
 * it (F_SEAL_WRITE, GROW, SHRINK, SEAL), it is not the host's file, and once
 * running, urun takes away its execute bits so that the container cannot
 * even run the copy.  Helpers (urun-slirp) are started from such copies too. */
#define _GNU_SOURCE
#include "config.h"
#include "selfexe.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#endif

#include "cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#define COPY_CHUNK (64 * 1024)
#define SEALS_ADDED (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE)

/* Where the re-executed urun came from (argv[0] as stage one set it). */
static const char *original_path;

/* Sealed as we seal our copies (F_SEAL_WRITE would do as well). */
static bool is_sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  int fixed = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW;
  return seals >= 0 && (seals & fixed) == fixed && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
}

/* The bytes exec needs: up to the end of the last program header's data.
 * Symbols and debug sections of an unstripped build stay behind (a third
 * of urun's file); anything unexpected copies the whole file. */
static off_t exec_size(int fd, off_t file_size) {
  Elf64_Ehdr eh;
  if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
      eh.e_phnum > 64)
    return file_size;
  Elf64_Phdr ph[64];
  size_t len = eh.e_phnum * sizeof(Elf64_Phdr);
  if (pread(fd, ph, len, (off_t)eh.e_phoff) != (ssize_t)len) return file_size;
  uint64_t end = eh.e_phoff + len;
  for (size_t i = 0; i < eh.e_phnum; i++)
    if (ph[i].p_offset + ph[i].p_filesz > end) end = ph[i].p_offset + ph[i].p_filesz;
  return end < (uint64_t)file_size ? (off_t)end : file_size;
}

/* size bytes of srcfd into mfd: sendfile (one copy, in the kernel), else
 * read and write. */
static urun_error *copy_bytes(int srcfd, int mfd, off_t size, const char *name) {
  off_t off = 0;
  while (off < size) {
    ssize_t n = sendfile(mfd, srcfd, &off, (size_t)(size - off));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EINVAL || errno == ENOSYS) && off == 0) break;
    if (n <= 0) return n < 0 ? urun_error_errno("sealed copy of %s: sendfile", name)
                             : urun_error_new("sealed copy of %s: the file shrank while copied", name);
  }
  char buf[COPY_CHUNK];
  while (off < size) {
    size_t want = size - off < COPY_CHUNK ? (size_t)(size - off) : COPY_CHUNK;
    ssize_t n = pread(srcfd, buf, want, off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? urun_error_errno("sealed copy of %s: read", name)
                             : urun_error_new("sealed copy of %s: the file shrank while copied", name);
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write(mfd, buf + done, (size_t)(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return urun_error_errno("sealed copy of %s: write", name);
      done += w;
    }
    off += n;
  }
  return NULL;
}

urun_error *selfexe_sealed_copy(int srcfd, const char *name, int *ret_fd) {
  struct stat st;
  if (fstat(srcfd, &st) < 0) return urun_error_errno("sealed copy of %s: stat", name);
  /* MFD_EXEC: where vm.memfd_noexec makes memfds non-executable by default */
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return urun_error_errno("sealed copy of %s: memfd_create (urun runs container processes from a sealed "
                            "copy of itself, against CVE-2019-5736; vm.memfd_noexec=2 forbids that)", name);
  _cleanup_close_ int mfd = fd;
  off_t size = exec_size(srcfd, st.st_size);
  TRY(copy_bytes(srcfd, mfd, size, name));
  /* F_SEAL_FUTURE_WRITE: no write(2) and no writable mapping from now on,
   * which is all F_SEAL_WRITE adds here (nobody has the copy mapped); it
   * does not wait, as F_SEAL_WRITE does, for the page references a splice
   * may leave behind a while (4 ms seen here) */
  if (fcntl(mfd, F_ADD_SEALS, SEALS_ADDED) < 0) return urun_error_errno("sealed copy of %s: seal", name);
  *ret_fd = steal_fd(&mfd);
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
  if (is_sealed(fd)) {
    original_path = argv[0];
    /* the copy has done its part: a process in the container that tries
     * to execute it (/proc/self/exe, a script naming it) gets EACCES */
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 0111) && fchmod(fd, st.st_mode & 0444) < 0)
      return urun_error_errno("take the execute bits off urun's sealed copy");
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

urun_error *selfexe_exec_sealed(const char *path, char **argv, char **envp) {
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return urun_error_errno("open %s", path);
  const char *base = strrchr(path, '/');
  int mfd;
  TRY(selfexe_sealed_copy(fd, base ? base + 1 : path, &mfd));
  syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
  urun_error *e = urun_error_errno("exec %s", path);
  close(mfd);
  return e;
}
