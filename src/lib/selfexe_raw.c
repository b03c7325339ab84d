/* selfexe_raw.c: see selfexe_raw.h.  Written so that the compiler emits no
 * call (no memcpy for a copy loop, no __stack_chk_fail) and nothing that
 * needs a relocation (no table of pointers): urun's entry point runs this
 * before the static PIE has relocated itself and before libc exists. */
#define _GNU_SOURCE
#include "selfexe_raw.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

long selfexe_syscall(long nr, long a, long b, long c, long d, long e, long f) {
#if defined(__x86_64__)
  register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
#else
  /* elsewhere the entry point keeps libc's, and this runs after libc started */
  long ret = syscall(nr, a, b, c, d, e, f);
  return ret < 0 ? -(long)__errno_location()[0] : ret;
#endif
}

#define SYS(nr, a, b, c) selfexe_syscall(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* A 64-bit ELF's header and program headers (at most 64) read from fd;
 * 0 when fd holds none. */
static int read_elf(int fd, Elf64_Ehdr *eh, Elf64_Phdr ph[64]) SELFEXE_FREESTANDING;
static int read_elf(int fd, Elf64_Ehdr *eh, Elf64_Phdr ph[64]) {
  if (selfexe_syscall(SYS_pread64, fd, (long)eh, sizeof(*eh), 0, 0, 0) != (long)sizeof(*eh)) return 0;
  if (eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 || eh->e_ident[EI_MAG2] != ELFMAG2 ||
      eh->e_ident[EI_MAG3] != ELFMAG3 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
      eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > 64)
    return 0;
  long len = (long)(eh->e_phnum * sizeof(Elf64_Phdr));
  return selfexe_syscall(SYS_pread64, fd, (long)ph, len, (long)eh->e_phoff, 0, 0) == len;
}

/* The bytes exec needs: up to the end of the last program header's data.
 * Symbols and debug sections of an unstripped build stay behind (a third
 * of urun's file); anything unexpected copies the whole file. */
static long exec_size(int fd, long file_size) SELFEXE_FREESTANDING;
static long exec_size(int fd, long file_size) {
#if defined(__SANITIZE_ADDRESS__)
  /* a sanitizer's reports read symbols and lines from /proc/self/exe */
  (void)fd;
  return file_size;
#endif
  Elf64_Ehdr eh;
  Elf64_Phdr ph[64];
  if (!read_elf(fd, &eh, ph)) return file_size;
  unsigned long end = eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr);
  for (int i = 0; i < eh.e_phnum; i++)
    if (ph[i].p_offset + ph[i].p_filesz > end) end = ph[i].p_offset + ph[i].p_filesz;
  return end < (unsigned long)file_size ? (long)end : file_size;
}

/* A close-on-exec memfd that can be sealed and executed; -errno. */
static long sealable_memfd(const char *name) SELFEXE_FREESTANDING;
static long sealable_memfd(const char *name) {
  /* MFD_EXEC: where vm.memfd_noexec makes memfds non-executable by default */
  long mfd = SYS(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC, 0);
  if (mfd == -22 /* EINVAL: before MFD_EXEC */) mfd = SYS(SYS_memfd_create, name, MFD_CLOEXEC | MFD_ALLOW_SEALING, 0);
  return mfd;
}

/* mfd sealed when r (the fill's result) is no error, else closed; mfd or -errno. */
static long seal_or_close(long mfd, long r) SELFEXE_FREESTANDING;
static long seal_or_close(long mfd, long r) {
  if (r >= 0) r = SYS(SYS_fcntl, mfd, F_ADD_SEALS, SELFEXE_SEALS);
  if (r < 0) {
    SYS(SYS_close, mfd, 0, 0);
    return r;
  }
  return mfd;
}

long selfexe_raw_copy(int srcfd, const char *name) {
  struct stat st;
  long r = SYS(SYS_fstat, srcfd, &st, 0);
  if (r < 0) return r;
  long mfd = sealable_memfd(name);
  if (mfd < 0) return mfd;
  long size = exec_size(srcfd, st.st_size);
  /* sendfile: one copy, in the kernel.  F_SEAL_FUTURE_WRITE: no write(2)
   * and no writable mapping from then on, which is all F_SEAL_WRITE adds
   * for a copy nobody maps, without its wait for the page references a
   * splice may leave behind a while (4 ms seen here). */
  long off = 0;
  while (off < size) {
    r = selfexe_syscall(SYS_sendfile, mfd, srcfd, (long)&off, size - off, 0, 0);
    if (r == -4 /* EINTR */) continue;
    if (r <= 0) break;
  }
  if (off == size) r = 0;
  else if (r == 0) r = -5; /* EIO: the file shrank while copied */
  return seal_or_close(mfd, r);
}

/* The decimal digits of n (n >= 0) at p; returns the end. */
static char *put_decimal(char *p, long n) SELFEXE_FREESTANDING;
static char *put_decimal(char *p, long n) {
  char digits[24];
  int k = 0;
  do digits[k++] = (char)('0' + n % 10), n /= 10;
  while (n);
  while (k) *p++ = digits[--k];
  return p;
}

long selfexe_raw_stub(int srcfd, const char *name) {
  Elf64_Ehdr src;
  Elf64_Phdr sph[64];
  if (!read_elf(srcfd, &src, sph) || src.e_type != ET_DYN) return -8; /* ENOEXEC */
  /* a static PIE only: the kernel would not load an interpreter's own
   * interpreter (ld.so for a dynamic urun) */
  for (int i = 0; i < src.e_phnum; i++)
    if (sph[i].p_type == PT_INTERP) return -8;
  /* header, three program headers, the interpreter's path */
  union {
    Elf64_Ehdr eh;
    unsigned char bytes[sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr) + 32];
  } stub;
  for (unsigned i = 0; i < sizeof(stub.bytes); i++) stub.bytes[i] = 0;
  Elf64_Phdr *ph = (Elf64_Phdr *)(stub.bytes + sizeof(Elf64_Ehdr));
  char *interp = (char *)(ph + 3), *end = interp;
  static const char prefix[] = "/proc/self/fd/";
  for (const char *c = prefix; *c; c++) *end++ = *c;
  end = put_decimal(end, srcfd);
  *end++ = '\0';
  long size = end - (char *)stub.bytes;
  for (int i = 0; i < EI_NIDENT; i++) stub.eh.e_ident[i] = src.e_ident[i];
  stub.eh.e_type = ET_DYN;
  stub.eh.e_machine = src.e_machine;
  stub.eh.e_version = EV_CURRENT;
  stub.eh.e_flags = src.e_flags;
  stub.eh.e_phoff = sizeof(Elf64_Ehdr);
  stub.eh.e_ehsize = sizeof(Elf64_Ehdr);
  stub.eh.e_phentsize = sizeof(Elf64_Phdr);
  stub.eh.e_phnum = 3;
  ph[0].p_type = PT_INTERP;
  ph[0].p_flags = PF_R;
  ph[0].p_offset = ph[0].p_vaddr = ph[0].p_paddr = (unsigned long)(interp - (char *)stub.bytes);
  ph[0].p_filesz = ph[0].p_memsz = (unsigned long)(end - interp);
  ph[0].p_align = 1;
  ph[1].p_type = PT_LOAD; /* the kernel maps a program only with one */
  ph[1].p_flags = PF_R;
  ph[1].p_filesz = ph[1].p_memsz = (unsigned long)size;
  ph[1].p_align = 4096;
  ph[2].p_type = PT_GNU_STACK;
  ph[2].p_flags = PF_R | PF_W;
  ph[2].p_align = 16;
  long mfd = sealable_memfd(name);
  if (mfd < 0) return mfd;
  long r = SYS(SYS_write, mfd, stub.bytes, size);
  return seal_or_close(mfd, r == size ? 0 : r < 0 ? r : -5 /* EIO */);
}

int selfexe_raw_is_sealed(int fd) {
  long seals = SYS(SYS_fcntl, fd, F_GET_SEALS, 0);
  long fixed = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW;
  return seals >= 0 && (seals & fixed) == fixed && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE));
}
