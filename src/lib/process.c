/* process.c: rlimits, user and groups, the executable lookup. */
#define _GNU_SOURCE
#include "process.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

struct rlimit_name {
  const char *name;
  int resource;
};

static const struct rlimit_name rlimit_names[] = {
    {"RLIMIT_AS", RLIMIT_AS},         {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},       {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},     {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},   {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

static int rlimit_resource(const char *name) {
  for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
    if (!strcmp(rlimit_names[i].name, name)) return rlimit_names[i].resource;
  return -1;
}

urun_error *process_check(const struct spec_process *p) {
  for (size_t i = 0; i < p->rlimits_len; i++) {
    const struct spec_rlimit *r = &p->rlimits[i];
    if (rlimit_resource(r->type) < 0)
      return urun_error_new("config.json: .process.rlimits[%zu].type: unknown rlimit \"%s\"", i, r->type);
    if (r->soft > r->hard)
      return urun_error_new("config.json: .process.rlimits[%zu]: soft limit is above the hard limit", i);
    for (size_t j = 0; j < i; j++)
      if (!strcmp(p->rlimits[j].type, r->type))
        return urun_error_new("config.json: .process.rlimits[%zu].type: duplicate rlimit \"%s\"", i, r->type);
  }
  if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
    return urun_error_new("config.json: .process.oomScoreAdj: must be between -1000 and 1000");
  return NULL;
}

urun_error *process_set_rlimits(const struct spec_process *p) {
  for (size_t i = 0; i < p->rlimits_len; i++) {
    const struct spec_rlimit *r = &p->rlimits[i];
    struct rlimit rl = {.rlim_cur = r->soft, .rlim_max = r->hard};
    if (setrlimit(rlimit_resource(r->type), &rl) < 0)
      return urun_error_errno("config.json: .process.rlimits[%zu]: set %s", i, r->type);
  }
  return NULL;
}

urun_error *process_set_oom_score_adj(const struct spec_process *p) {
  if (!p->has_oom_score_adj) return NULL;
  char buf[16];
  int n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
  return urun_error_wrap(write_file_at(AT_FDCWD, "/proc/self/oom_score_adj", buf, (size_t)n, 0),
                         "config.json: .process.oomScoreAdj");
}

urun_error *process_set_user(const struct spec_process *p, bool setgroups_allowed, bool keep_groups) {
  const struct spec_user *u = &p->user;
  if (u->additional_gids_len > 0) {
    if (!setgroups_allowed)
      return urun_error_new("config.json: .process.user.additionalGids: cannot set groups when "
                            "only your own gid is mapped (setgroups is denied); map a subordinate "
                            "gid range (/etc/subgid) instead");
    /* keep_original_groups: the caller's groups, then additionalGids (crun) */
    gid_t groups[NGROUPS_MAX];
    int n = keep_groups ? getgroups(NGROUPS_MAX, groups) : 0;
    if (n < 0) n = 0;
    for (size_t i = 0; i < u->additional_gids_len && n < NGROUPS_MAX; i++) groups[n++] = (gid_t)u->additional_gids[i];
    if (setgroups((size_t)n, groups) < 0)
      return urun_error_errno("config.json: .process.user.additionalGids: setgroups");
  } else if (setgroups_allowed && !keep_groups) {
    if (setgroups(0, NULL) < 0 && errno != EPERM) return urun_error_errno("setgroups");
  }
  if (setresgid(u->gid, u->gid, u->gid) < 0)
    return urun_error_errno("config.json: .process.user.gid: setgid %u", u->gid);
  if (setresuid(u->uid, u->uid, u->uid) < 0)
    return urun_error_errno("config.json: .process.user.uid: setuid %u", u->uid);
  return NULL;
}

void process_chown_stdio(uid_t uid, gid_t gid) {
  for (int fd = 0; fd < 3; fd++) {
    struct stat st;
    if (fstat(fd, &st) < 0 || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) continue;
    if (st.st_uid == uid && st.st_gid == gid) continue;
    if (fchown(fd, uid, gid) < 0) { /* EINVAL, EPERM, EROFS: left as it is */ }
  }
}

static const char *env_path(const struct spec_process *p) {
  for (size_t i = 0; i < p->env.len; i++)
    if (str_has_prefix(p->env.items[i], "PATH=")) return p->env.items[i] + 5;
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static int check_executable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return errno;
  if (S_ISDIR(st.st_mode)) return EACCES;
  if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0) return 0;
  /* The container's seccomp filter is in place by now (it must precede the
   * user change) and may not allow faccessat2: then the mode bits decide,
   * and execve has the last word. */
  if (errno == EPERM || errno == ENOSYS) return (st.st_mode & 0111) ? 0 : EACCES;
  return errno;
}

urun_error *process_find_executable(const struct spec_process *p, char **ret) {
  const char *name = p->args.items[0];
  if (strchr(name, '/')) {
    int err = check_executable(name);
    if (err == ENOENT || err == ENOTDIR)
      return urun_error_new("exec: \"%s\": stat %s: no such file or directory", name, name);
    if (err == EACCES || err == EPERM) return urun_error_new("exec: \"%s\": permission denied", name);
    if (err) return urun_error_code(err, "exec: \"%s\"", name);
    *ret = strdup(name);
    return *ret ? NULL : urun_error_code(ENOMEM, "exec");
  }
  _cleanup_free_ char *path = strdup(env_path(p));
  if (!path) return urun_error_code(ENOMEM, "exec");
  bool denied = false;
  char *save = NULL;
  for (char *dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
    _cleanup_free_ char *cand = path_join(*dir ? dir : ".", name);
    if (!cand) return urun_error_code(ENOMEM, "exec");
    int err = check_executable(cand);
    if (err == 0) {
      *ret = steal_ptr(cand);
      return NULL;
    }
    if (err == EACCES) denied = true;
  }
  if (denied) return urun_error_new("exec: \"%s\": permission denied", name);
  return urun_error_new("exec: \"%s\": executable file not found in $PATH", name);
}
