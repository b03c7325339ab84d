/* seccomp_filter.c: linux.seccomp; see seccomp_filter.h. */
#define _GNU_SOURCE
#include "seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "seccomp_enosys.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct name_value {
  const char *name;
  unsigned long value;
};

static const struct name_value flag_names[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static const struct name_value op_names[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* The actions urun takes: what parse_action reads and `features` lists. */
static const struct {
  const char *name;
  uint32_t action;
  bool takes_errno; /* errnoRet goes into the low 16 bits */
} actions[] = {
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false}, /* needs .linux.seccomp.listenerPath */
};

const char *seccomp_action_name(size_t i) {
  return i < sizeof(actions) / sizeof(actions[0]) ? actions[i].name : NULL;
}

/* The runtime-spec's architectures, listed by `features` where this
 * libseccomp knows them (parse_arch then accepts them). */
static const char *const spec_archs[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",      "SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_MIPS",    "SCMP_ARCH_MIPS64",    "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",   "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",
    "SCMP_ARCH_S390X",   "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",        "SCMP_ARCH_SHEB",
};

static urun_error *parse_arch(size_t i, const char *name, uint32_t *ret);

/* Those a filter here can hold: libseccomp knows the name, and takes the
 * architecture beside the native one (not one of the other byte order). */
const char *seccomp_arch_name(size_t i) {
  static const char *usable[sizeof(spec_archs) / sizeof(spec_archs[0]) + 1];
  static bool probed;
  if (!probed) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    size_t n = 0;
    for (size_t k = 0; ctx && k < sizeof(spec_archs) / sizeof(spec_archs[0]); k++) {
      uint32_t a;
      urun_error *e = parse_arch(0, spec_archs[k], &a);
      int r = e ? -EINVAL : seccomp_arch_add(ctx, a);
      urun_error_free(e);
      if (r == 0 || r == -EEXIST) usable[n++] = spec_archs[k];
    }
    if (ctx) seccomp_release(ctx);
    probed = true;
  }
  return i < sizeof(usable) / sizeof(usable[0]) ? usable[i] : NULL;
}

const char *seccomp_operator_name(size_t i) {
  return i < sizeof(op_names) / sizeof(op_names[0]) ? op_names[i].name : NULL;
}

const char *seccomp_flag_name(size_t i) {
  return i < sizeof(flag_names) / sizeof(flag_names[0]) ? flag_names[i].name : NULL;
}

/* Does the kernel take `flag`?  It checks the flags before it reads the
 * program: EFAULT for the NULL program means yes, EINVAL no.  (A listener
 * is what WAIT_KILLABLE_RECV goes with.) */
static bool kernel_takes_flag(unsigned long flag) {
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

const char *seccomp_supported_flag_name(size_t i) {
  for (size_t k = 0, n = 0; k < sizeof(flag_names) / sizeof(flag_names[0]); k++)
    if (kernel_takes_flag(flag_names[k].value) && n++ == i) return flag_names[k].name;
  return NULL;
}

static bool lookup(const struct name_value *t, size_t n, const char *name, unsigned long *ret) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(t[i].name, name)) {
      *ret = t[i].value;
      return true;
    }
  return false;
}
#define LOOKUP(t, name, ret) lookup(t, sizeof(t) / sizeof(t[0]), name, ret)

/* "SCMP_ACT_ERRNO" with an errno to the libseccomp action value. */
static urun_error *parse_action(const char *path, const char *name, bool has_ret, uint32_t ret_value,
                                uint32_t *ret, bool *is_notify) {
  uint32_t errno_ret = has_ret ? ret_value : EPERM;
  for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
    if (strcmp(name, actions[i].name)) continue;
    *ret = actions[i].takes_errno ? actions[i].action | (errno_ret & 0xffffu) : actions[i].action;
    if (is_notify && actions[i].action == SCMP_ACT_NOTIFY) *is_notify = true;
    return NULL;
  }
  return urun_error_new("config.json: %s: unknown seccomp action \"%s\"", path, name);
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token. */
static urun_error *parse_arch(size_t i, const char *name, uint32_t *ret) {
  const char *p = !strncmp(name, "SCMP_ARCH_", 10) ? name + 10 : name;
  char lower[64];
  size_t n = 0;
  for (; p[n] && n < sizeof(lower) - 1; n++) lower[n] = (char)(p[n] >= 'A' && p[n] <= 'Z' ? p[n] + 32 : p[n]);
  lower[n] = '\0';
  /* the spec's names that differ from libseccomp's */
  const char *alias = !strcmp(lower, "x86") ? "x86" : !strcmp(lower, "x32") ? "x32" : lower;
  uint32_t a = seccomp_arch_resolve_name(alias);
  if (a == 0) return urun_error_new("config.json: .linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i, name);
  *ret = a;
  return NULL;
}

urun_error *seccomp_check(const struct spec_seccomp *s) {
  if (!s->present) return NULL;
  uint32_t act;
  bool notify = false;
  TRY(parse_action(".linux.seccomp.defaultAction", s->default_action, s->has_default_errno_ret,
                   s->default_errno_ret, &act, &notify));
  for (size_t i = 0; i < s->architectures.len; i++) TRY(parse_arch(i, s->architectures.items[i], &act));
  for (size_t i = 0; i < s->flags.len; i++) {
    unsigned long f;
    if (!LOOKUP(flag_names, s->flags.items[i], &f))
      return urun_error_new("config.json: .linux.seccomp.flags[%zu]: unknown seccomp flag \"%s\"", i,
                            s->flags.items[i]);
    if (!kernel_takes_flag(f))
      return urun_error_new("config.json: .linux.seccomp.flags[%zu]: this kernel does not support \"%s\"", i,
                            s->flags.items[i]);
  }
  for (size_t i = 0; i < s->syscalls_len; i++) {
    const struct spec_seccomp_syscall *sc = &s->syscalls[i];
    char path[64];
    snprintf(path, sizeof(path), ".linux.seccomp.syscalls[%zu].action", i);
    TRY(parse_action(path, sc->action, sc->has_errno_ret, sc->errno_ret, &act, &notify));
    for (size_t j = 0; j < sc->args_len; j++) {
      unsigned long op;
      if (!LOOKUP(op_names, sc->args[j].op, &op))
        return urun_error_new("config.json: .linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator \"%s\"",
                              i, j, sc->args[j].op);
      if (sc->args[j].index > 5)
        return urun_error_new("config.json: .linux.seccomp.syscalls[%zu].args[%zu].index: must be 0 to 5", i, j);
    }
  }
  if (notify && !s->listener_path)
    return urun_error_new("config.json: .linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY");
  return NULL;
}

static urun_error *add_rules(scmp_filter_ctx ctx, const struct spec_seccomp_syscall *sc, size_t i,
                             uint32_t default_action) {
  uint32_t act;
  TRY(parse_action("", sc->action, sc->has_errno_ret, sc->errno_ret, &act, NULL));
  if (act == default_action) return NULL; /* libseccomp refuses a rule equal to the default */
  struct scmp_arg_cmp cmps[6 * 8];
  size_t n = sc->args_len < sizeof(cmps) / sizeof(cmps[0]) ? sc->args_len : sizeof(cmps) / sizeof(cmps[0]);
  bool repeated = false;
  for (size_t j = 0; j < n; j++) {
    unsigned long op = SCMP_CMP_EQ; /* names were checked by seccomp_check */
    LOOKUP(op_names, sc->args[j].op, &op);
    cmps[j] = (struct scmp_arg_cmp){.arg = sc->args[j].index, .op = (enum scmp_compare)op,
                                    .datum_a = sc->args[j].value, .datum_b = sc->args[j].value_two};
    for (size_t k = 0; k < j; k++)
      if (cmps[k].arg == cmps[j].arg) repeated = true;
  }
  for (size_t k = 0; k < sc->names.len; k++) {
    int nr = seccomp_syscall_resolve_name(sc->names.items[k]);
    if (nr == __NR_SCMP_ERROR) continue; /* unknown to this kernel/libseccomp: skipped, as runc does */
    int r;
    if (!repeated) {
      r = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, n ? cmps : NULL);
    } else {
      /* Conditions on the same argument can't be ANDed: one rule each (OR). */
      r = 0;
      for (size_t j = 0; j < n && r == 0; j++) r = seccomp_rule_add_array(ctx, act, nr, 1, &cmps[j]);
    }
    if (r < 0)
      return urun_error_code(-r, "config.json: .linux.seccomp.syscalls[%zu]: add rule for \"%s\"", i,
                             sc->names.items[k]);
  }
  return NULL;
}

static urun_error *export_bpf(scmp_filter_ctx ctx, struct seccomp_program *ret) {
  _cleanup_close_ int fd = memfd_create("urun-seccomp", MFD_CLOEXEC);
  if (fd < 0) return urun_error_errno("seccomp: memfd");
  int r = seccomp_export_bpf(ctx, fd);
  if (r < 0) return urun_error_code(-r, "seccomp: export filter");
  off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0 || size % (off_t)sizeof(struct sock_filter)) return urun_error_new("seccomp: bad filter size");
  ret->filter = malloc((size_t)size);
  if (!ret->filter) return urun_error_code(ENOMEM, "seccomp");
  if (pread(fd, ret->filter, (size_t)size, 0) != size) return urun_error_errno("seccomp: read filter");
  ret->len = (size_t)size / sizeof(struct sock_filter);
  return NULL;
}

urun_error *seccomp_compile(const struct spec_seccomp *s, struct seccomp_program *ret) {
  memset(ret, 0, sizeof(*ret));
  if (!s->present) return NULL;
  TRY(seccomp_check(s));
  uint32_t def;
  TRY(parse_action("", s->default_action, s->has_default_errno_ret, s->default_errno_ret, &def, &ret->notify));
  scmp_filter_ctx ctx = seccomp_init(def);
  if (!ctx) return urun_error_new("seccomp: cannot initialise the filter");
  /* A binary tree of syscall numbers, not libseccomp's default list: on
   * load the kernel runs the filter for every syscall number to find the
   * ones always allowed, so a list of 361 costs 1 ms there, the tree half.
   * The decisions are the same; an older libseccomp keeps the list. */
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  urun_error *e = NULL;
  /* the filter's architectures: the native one and the config's */
  _cleanup_free_ uint32_t *archs = calloc(s->architectures.len + 1, sizeof(uint32_t));
  size_t narchs = 0;
  if (archs) archs[narchs++] = seccomp_arch_native();
  else e = urun_error_code(ENOMEM, "seccomp");
  for (size_t i = 0; !e && i < s->architectures.len; i++) {
    uint32_t a;
    e = parse_arch(i, s->architectures.items[i], &a);
    int r = e ? 0 : seccomp_arch_add(ctx, a);
    if (!e && r == -EDOM)
      e = urun_error_new("config.json: .linux.seccomp.architectures[%zu]: \"%s\" cannot be filtered on this host "
                         "(its byte order is not the host's)",
                         i, s->architectures.items[i]);
    if (!e && r < 0 && r != -EEXIST) e = urun_error_code(-r, "config.json: .linux.seccomp.architectures[%zu]", i);
    if (!e) archs[narchs++] = a;
  }
  for (size_t i = 0; !e && i < s->syscalls_len; i++) {
    bool n = false;
    uint32_t act;
    urun_error_free(parse_action("", s->syscalls[i].action, false, 0, &act, &n));
    if (n) ret->notify = true;
    e = add_rules(ctx, &s->syscalls[i], i, def);
  }
  for (size_t i = 0; !e && i < s->flags.len; i++) {
    unsigned long f = 0;
    LOOKUP(flag_names, s->flags.items[i], &f);
    ret->flags |= (unsigned)f;
  }
  if (!e) e = export_bpf(ctx, ret);
  if (!e) e = seccomp_enosys_prepend(s, def, archs, narchs, ret);
  seccomp_release(ctx);
  if (e) seccomp_program_free(ret);
  return e;
}

urun_error *seccomp_install(const struct seccomp_program *p, int *ret_listener) {
  *ret_listener = -1;
  if (!p->filter) return NULL;
  struct sock_fprog prog = {.len = (unsigned short)p->len, .filter = p->filter};
  unsigned int flags = p->flags;
  if (p->notify) {
    flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    /* TSYNC and a listener need TSYNC_ESRCH to go together; we have one thread. */
    flags &= ~(unsigned)SECCOMP_FILTER_FLAG_TSYNC;
  } else {
    /* how a listener's waits end: without one it means nothing, and the
     * kernel refuses it alone */
    flags &= ~(unsigned)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  }
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0) return urun_error_errno("load seccomp filter");
  if (p->notify) *ret_listener = (int)r;
  return NULL;
}

void seccomp_program_free(struct seccomp_program *p) {
  free(p->filter);
  p->filter = NULL;
  p->len = 0;
}

bool seccomp_filtered_already(void) { return proc_status_number("Seccomp") == SECCOMP_MODE_FILTER; }
