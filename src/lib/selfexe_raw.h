/* selfexe_raw.h: the sealed copy with raw system calls, usable before the C
 * library has started (urun's entry point, src/urun_entry.c) and after. */
#ifndef URUN_SELFEXE_RAW_H
#define URUN_SELFEXE_RAW_H

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
/* the seals urun puts on its copies; a file with these (or with
 * F_SEAL_WRITE for FUTURE_WRITE) is one */
#define SELFEXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE)

/* No C library, no errno, no stack protector, no sanitizer: safe before
 * libc's own start-up (in a static PIE, before its relocation too). */
#define SELFEXE_FREESTANDING                                                                     \
  __attribute__((no_stack_protector, no_sanitize("address", "undefined"),                          \
                 optimize("no-tree-loop-distribute-patterns"))) /* no memcpy for a copy loop */

/* A system call; -errno on failure. */
long selfexe_syscall(long nr, long a, long b, long c, long d, long e, long f) SELFEXE_FREESTANDING;

/* A close-on-exec memfd holding what exec needs of the file at srcfd
 * (up to the end of the last program header's data), sealed; -errno on
 * failure (-EACCES naming vm.memfd_noexec=2 among the causes). */
long selfexe_raw_copy(int srcfd, const char *name) SELFEXE_FREESTANDING;

/* A close-on-exec, sealed memfd holding a program of a few hundred bytes
 * whose interpreter (PT_INTERP) is "/proc/self/fd/SRCFD": executed while
 * srcfd is open (close-on-exec is enough: the kernel opens the interpreter
 * before it closes those), it runs the static PIE at srcfd as its
 * interpreter, straight from the page cache, while the process's exe, the
 * one thing of it a container can open through /proc, is this stub.  The
 * interpreter must then set the auxiliary vector right (urun_entry.c).
 * -errno on failure (-ENOEXEC: srcfd is no 64-bit static PIE). */
long selfexe_raw_stub(int srcfd, const char *name) SELFEXE_FREESTANDING;

/* Whether fd is one of our sealed copies. */
int selfexe_raw_is_sealed(int fd) SELFEXE_FREESTANDING;

#endif
