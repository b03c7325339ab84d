/* seccomp_enosys.c: the ENOSYS stub; see seccomp_enosys.h. */
#define _GNU_SOURCE
#include "seccomp_enosys.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define X32_SYSCALL_BIT 0x40000000u
#define MAX_GROUPS 32
#define STUB_MAX (2 + MAX_GROUPS * 10)

/* One audit architecture: what the kernel puts in seccomp_data.arch.  x32
 * shares x86_64's, with X32_SYSCALL_BIT set in the syscall number. */
struct arch_group {
  uint32_t audit;
  long max;      /* largest syscall number the profile names; -1: none */
  long max_x32;  /* x86_64 only: the same for x32's numbers; -1: none */
  bool has_x32;
};

/* Largest number any syscall of the profile has on `arch`. */
static long largest_named(const struct spec_seccomp *s, uint32_t arch) {
  long max = -1;
  for (size_t i = 0; i < s->syscalls_len; i++)
    for (size_t k = 0; k < s->syscalls[i].names.len; k++) {
      int nr = seccomp_syscall_resolve_name_arch(arch, s->syscalls[i].names.items[k]);
      if (nr >= 0 && nr > max) max = nr; /* negative: not a syscall of that arch */
    }
  return max;
}

static size_t group_arches(const struct spec_seccomp *s, const uint32_t *archs, size_t narchs,
                           struct arch_group *g) {
  size_t n = 0;
  for (size_t i = 0; i < narchs; i++) {
    bool x32 = archs[i] == SCMP_ARCH_X32;
    uint32_t audit = x32 ? SCMP_ARCH_X86_64 : archs[i];
    size_t j = 0;
    while (j < n && g[j].audit != audit) j++;
    if (j == n) {
      if (n == MAX_GROUPS) break;
      g[n++] = (struct arch_group){.audit = audit, .max = -1, .max_x32 = -1};
    }
    if (x32) {
      g[j].has_x32 = true;
      g[j].max_x32 = largest_named(s, archs[i]);
    } else {
      g[j].max = largest_named(s, archs[i]);
    }
  }
  return n;
}

struct stub {
  struct sock_filter insn[STUB_MAX];
  size_t len;
  size_t to_main[STUB_MAX]; /* the "ja" into the filter, fixed up at the end */
  size_t nto_main;
};

static void emit(struct stub *st, struct sock_filter f) { st->insn[st->len++] = f; }
static void jump_to_main(struct stub *st) {
  st->to_main[st->nto_main++] = st->len;
  emit(st, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0));
}

/* nr (in A) above `max`: ENOSYS; else on to the filter. */
static void above_max(struct stub *st, long max) {
  if (max >= 0) {
    emit(st, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, 0, 1));
    emit(st, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
  }
  jump_to_main(st);
}

static bool permissive(uint32_t action) {
  return action == SCMP_ACT_ALLOW || action == SCMP_ACT_LOG || (action & ~0xffffu) == SCMP_ACT_TRACE(0);
}

urun_error *seccomp_enosys_prepend(const struct spec_seccomp *s, uint32_t default_action, const uint32_t *archs,
                                   size_t narchs, struct seccomp_program *p) {
  if (permissive(default_action) || default_action == SCMP_ACT_ERRNO(ENOSYS)) return NULL;
  struct arch_group g[MAX_GROUPS];
  size_t ng = group_arches(s, archs, narchs, g);
  struct stub *st = calloc(1, sizeof(*st));
  if (!st) return urun_error_code(ENOMEM, "seccomp");
  size_t jeq[MAX_GROUPS];
  emit(st, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
  for (size_t i = 0; i < ng; i++) {
    jeq[i] = st->len;
    emit(st, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, g[i].audit, 0, 0));
  }
  jump_to_main(st); /* an architecture the profile does not list: the filter's bad-arch action */
  for (size_t i = 0; i < ng; i++) {
    size_t off = st->len - jeq[i] - 1;
    if (off > 255) {
      free(st);
      return urun_error_new("seccomp: too many architectures for the ENOSYS stub");
    }
    st->insn[jeq[i]].jt = (uint8_t)off;
    emit(st, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
    if (g[i].audit == SCMP_ARCH_X86_64) {
      /* x32's numbers (X32_SYSCALL_BIT set) have their own largest */
      size_t split = st->len;
      emit(st, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, 0, 0));
      above_max(st, g[i].max);
      st->insn[split].jt = (uint8_t)(st->len - split - 1);
      if (g[i].has_x32) above_max(st, g[i].max_x32);
      else jump_to_main(st);
    } else {
      above_max(st, g[i].max);
    }
  }
  for (size_t i = 0; i < st->nto_main; i++) st->insn[st->to_main[i]].k = (uint32_t)(st->len - st->to_main[i] - 1);
  size_t total = st->len + p->len;
  if (total > BPF_MAXINSNS) {
    free(st);
    return urun_error_new("seccomp: the filter is too long (%zu instructions)", total);
  }
  struct sock_filter *all = malloc((st->len + p->len) * sizeof(*all));
  if (!all) {
    free(st);
    return urun_error_code(ENOMEM, "seccomp");
  }
  memcpy(all, st->insn, st->len * sizeof(*all));
  memcpy(all + st->len, p->filter, p->len * sizeof(*all));
  free(p->filter);
  p->filter = all;
  p->len += st->len;
  free(st);
  return NULL;
}
