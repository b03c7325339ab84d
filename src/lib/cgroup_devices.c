/* cgroup_devices.c: linux.resources.devices for cgroup v2, which has no
 * devices.allow file: a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
 * container's group decides every open and mknod of a device node.
 *
 * The rules keep cgroup v1's meaning (what the spec was written for): they
 * apply in order and a later one overrides an earlier one, starting from
 * "everything allowed".  The program checks them last to first and the first
 * match decides; configs begin with a deny-all rule, so by default access is
 * refused.  Loading and attaching needs CAP_SYS_ADMIN on the host: for a
 * user, the devices are what was bind-mounted, and the kernel's own checks
 * on those nodes apply. */
#define _GNU_SOURCE
#include "cgroup_devices.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

/* Instruction builders (the kernel's BPF_* insn macros are not uapi). */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  return (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}
#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define MOV_REG(dst, src) insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm) insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND_IMM(dst, imm) insn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH_IMM(dst, imm) insn(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers: r1 the context; r2 type, r3 access, r4 major, r5 minor, r6 scratch. */
enum { R0, R1, R2, R3, R4, R5, R6 };

static int rule_type(const struct spec_device_cgroup *d) {
  if (!d->type || !strcmp(d->type, "a")) return 0;
  return !strcmp(d->type, "b") ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
}

static int rule_access(const struct spec_device_cgroup *d) {
  if (!d->access) return BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
  int a = 0;
  for (const char *c = d->access; *c; c++)
    a |= *c == 'r' ? BPF_DEVCG_ACC_READ : *c == 'w' ? BPF_DEVCG_ACC_WRITE : *c == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
  return a;
}

/* One rule: its checks jump past it (to the next rule) on a mismatch.
 * *ret_final: it has no checks, so it decides everything (the verifier
 * refuses the unreachable code that would follow). */
static size_t emit_rule(struct bpf_insn *p, const struct spec_device_cgroup *d, bool *ret_final) {
  struct bpf_insn checks[8];
  size_t n = 0;
  int type = rule_type(d), access = rule_access(d);
  if (type) checks[n++] = JNE_IMM(R2, type, 0);
  if (access != (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)) {
    /* every access asked for must be in the rule */
    checks[n++] = MOV_REG(R6, R3);
    checks[n++] = AND_IMM(R6, ~access);
    checks[n++] = JNE_IMM(R6, 0, 0);
  }
  if (d->has_major && d->major >= 0) checks[n++] = JNE_IMM(R4, (int32_t)d->major, 0);
  if (d->has_minor && d->minor >= 0) checks[n++] = JNE_IMM(R5, (int32_t)d->minor, 0);
  size_t total = n + 2;
  *ret_final = n == 0;
  for (size_t i = 0; i < n; i++) {
    if (BPF_CLASS(checks[i].code) == BPF_JMP) checks[i].off = (int16_t)(total - i - 1);
    p[i] = checks[i];
  }
  p[n] = MOV_IMM(R0, d->allow ? 1 : 0);
  p[n + 1] = EXIT();
  return total;
}

static int bpf(int cmd, union bpf_attr *attr) { return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

/* After the config's rules, as runc adds them: the nodes every container
 * gets (urun makes them in /dev), the console, the ptys and tun.  Not
 * linux.devices: a node listed there is made in the container, but opened
 * only where resources.devices allows it (the caller adds the rules it
 * means, as podman does), or a deny-all would not cover it. */
#define DEV(t, maj, min, acc) {.allow = true, .type = t, .has_major = maj >= 0, .major = maj, \
                               .has_minor = min >= 0, .minor = min, .access = acc}
static const struct spec_device_cgroup default_rules[] = {
    DEV("c", -1, -1, "m"), DEV("b", -1, -1, "m"),
    DEV("c", 1, 3, "rwm"),  /* null */
    DEV("c", 1, 5, "rwm"),  /* zero */
    DEV("c", 1, 7, "rwm"),  /* full */
    DEV("c", 1, 8, "rwm"),  /* random */
    DEV("c", 1, 9, "rwm"),  /* urandom */
    DEV("c", 5, 0, "rwm"),  /* tty */
    DEV("c", 5, 1, "rwm"),  /* console */
    DEV("c", 5, 2, "rwm"),  /* ptmx */
    DEV("c", 136, -1, "rwm"), /* the container's ptys */
    DEV("c", 10, 200, "rwm"), /* net/tun */
};
#undef DEV

static urun_error *all_rules(const struct spec *s, struct spec_device_cgroup **ret, size_t *ret_len) {
  const struct spec_resources *r = &s->linux_.resources;
  size_t ndef = sizeof(default_rules) / sizeof(default_rules[0]);
  size_t n = r->devices_len + ndef;
  if (n > 1024) return urun_error_new("config.json: .linux.resources.devices: more than 1024 device rules");
  struct spec_device_cgroup *rules = calloc(n, sizeof(*rules));
  if (!rules) return urun_error_code(ENOMEM, "device filter");
  memcpy(rules, r->devices, r->devices_len * sizeof(*rules));
  memcpy(rules + r->devices_len, default_rules, sizeof(default_rules));
  *ret = rules;
  *ret_len = n;
  return NULL;
}

urun_error *cgroup_devices_attach(int cgroup_fd, const struct spec *s) {
  if (!s->linux_.resources.devices_len) return NULL; /* no rules: no filter, as runc */
  _cleanup_free_ struct spec_device_cgroup *rules = NULL;
  size_t nrules = 0;
  TRY(all_rules(s, &rules, &nrules));
  const struct spec_resources rr = {.devices = rules, .devices_len = nrules}, *r = &rr;
  _cleanup_free_ struct bpf_insn *prog = calloc(8 + r->devices_len * 10, sizeof(*prog));
  if (!prog) return urun_error_code(ENOMEM, "device filter");
  size_t n = 0;
  prog[n++] = LDX_W(R2, R1, 0); /* access_type: access << 16 | type */
  prog[n++] = MOV_REG(R3, R2);
  prog[n++] = AND_IMM(R2, 0xffff);
  prog[n++] = RSH_IMM(R3, 16);
  prog[n++] = LDX_W(R4, R1, 4);
  prog[n++] = LDX_W(R5, R1, 8);
  bool final = false;
  for (size_t i = r->devices_len; i-- > 0 && !final;) n += emit_rule(prog + n, &r->devices[i], &final);
  if (!final) {
    prog[n++] = MOV_IMM(R0, 1); /* no rule matched: v1's starting point */
    prog[n++] = EXIT();
  }
  char log[4096] = "";
  union bpf_attr load = {0};
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (uint64_t)(uintptr_t)prog;
  load.insn_cnt = (uint32_t)n;
  load.license = (uint64_t)(uintptr_t) "GPL";
  load.log_buf = (uint64_t)(uintptr_t)log;
  load.log_size = sizeof(log);
  load.log_level = 1;
  _cleanup_close_ int fd = bpf(BPF_PROG_LOAD, &load);
  if (fd < 0 && errno == ENOSPC) { /* the log was too small: load without one */
    load.log_buf = 0, load.log_size = 0, load.log_level = 0;
    fd = bpf(BPF_PROG_LOAD, &load);
  }
  if (fd < 0) {
    /* the verifier's verdict is its log's last line */
    size_t len = strlen(log);
    while (len && log[len - 1] == '\n') log[--len] = '\0';
    const char *last = strrchr(log, '\n');
    return urun_error_errno("device filter: load the eBPF program%s%.200s", *log ? ": " : "", last ? last + 1 : log);
  }
  union bpf_attr attach = {0};
  attach.target_fd = (uint32_t)cgroup_fd;
  attach.attach_bpf_fd = (uint32_t)fd;
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attach) < 0) return urun_error_errno("device filter: attach to the cgroup");
  return NULL; /* the attachment holds the program; our fd can go */
}
