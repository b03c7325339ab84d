/* check_userns.c: can the caller make a user namespace and use it (mount
 * in it)?  A real trial, then the knobs that explain a refusal: the
 * sysctls, AppArmor's restriction of unprivileged user namespaces
 * (Ubuntu 23.10+), a seccomp filter around us (a container's). */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "fsutil.h"
#include "seccomp_filter.h"
#include "userns.h"

/* In the child: a private mount namespace, a tmpfs mounted in it. */
static int mount_trial(void *arg, char *note, size_t size) {
  static const char *const dirs[] = {"/tmp", "/mnt", "/dev", "/run", NULL};
  if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    snprintf(note, size, "make / private: %s", strerror(errno));
    return errno;
  }
  for (int i = 0; dirs[i]; i++) {
    struct stat st;
    if (stat(dirs[i], &st) < 0 || !S_ISDIR(st.st_mode)) continue;
    if (mount("tmpfs", dirs[i], "tmpfs", 0, "size=64k") < 0) {
      snprintf(note, size, "mount tmpfs on %s: %s", dirs[i], strerror(errno));
      return errno;
    }
    return 0;
  }
  snprintf(note, size, "no directory to mount on");
  return ENOENT;
}

/* The AppArmor label we run under, "unconfined" when none. */
static void apparmor_label(char *buf, size_t size) {
  if (!check_read_line("/proc/self/attr/apparmor/current", buf, size) &&
      !check_read_line("/proc/self/attr/current", buf, size))
    snprintf(buf, size, "unconfined");
}

/* In the child: its own UTS namespace takes a hostname (an outer seccomp
 * filter, podman's, refuses it without CAP_SYS_ADMIN). */
static int hostname_trial(void *arg, char *note, size_t size) {
  if (sethostname("urun-check", 10) < 0) {
    snprintf(note, size, "sethostname: %s", strerror(errno));
    return errno;
  }
  return 0;
}

static void hostname(struct check_report *r, bool required) {
  struct check_trial t;
  check_trial_run(CLONE_NEWUSER | CLONE_NEWUTS, NULL, NULL, hostname_trial, NULL, &t);
  if (t.unshare_errno || t.map_failed) return; /* the userns line says why */
  if (!t.result)
    check_add(r, "hostname", CHECK_OK, required, NULL, "a UTS namespace of its own takes a hostname");
  else if (t.result == EPERM && seccomp_filtered_already())
    check_add(r, "hostname", CHECK_FAIL, required, SECCOMP_OUTER_FIX,
              "%s in a UTS namespace of its own: a seccomp filter around urun refuses it", t.note);
  else
    check_add(r, "hostname", CHECK_FAIL, required, "run urun where sethostname is allowed in a new UTS namespace",
              "%s in a UTS namespace of its own", t.note);
}

static void sysctls(struct check_report *r, bool required) {
  /* the switches that refuse user namespaces when 0, and the value that allows them */
  static const struct {
    const char *name, *key, *good, *why;
  } zero_refuses[] = {
      {"max_user_ns", "user.max_user_namespaces", "15000", "no user namespace can be made"},
      {"userns_clone", "kernel.unprivileged_userns_clone", "1", "users may not make user namespaces"},
  };
  long v;
  for (size_t i = 0; i < sizeof(zero_refuses) / sizeof(zero_refuses[0]); i++) {
    char path[128], fix[256];
    snprintf(path, sizeof(path), "/proc/sys/%s", zero_refuses[i].key);
    for (char *p = path + 10; *p; p++)
      if (*p == '.') *p = '/';
    if (!check_sysctl(path, &v)) continue;
    snprintf(fix, sizeof(fix), "as root: sysctl -w %s=%s and, to keep it, echo %s=%s > /etc/sysctl.d/50-urun.conf",
             zero_refuses[i].key, zero_refuses[i].good, zero_refuses[i].key, zero_refuses[i].good);
    if (v == 0)
      check_add(r, zero_refuses[i].name, CHECK_FAIL, required, fix, "%s is 0: %s", zero_refuses[i].key,
                zero_refuses[i].why);
    else
      check_add(r, zero_refuses[i].name, CHECK_OK, required, NULL, "%s is %ld", zero_refuses[i].key, v);
  }
  if (check_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v)) {
    char label[256];
    apparmor_label(label, sizeof(label));
    bool unconfined = !strncmp(label, "unconfined", 10);
    if (v != 0 && unconfined && required)
      check_add(r, "apparmor_userns", CHECK_FAIL, required,
                "install urun's AppArmor profile (make install puts it in /etc/apparmor.d/urun), then "
                "apparmor_parser -r /etc/apparmor.d/urun",
                "kernel.apparmor_restrict_unprivileged_userns is 1 and urun runs unconfined: its user "
                "namespaces get no capabilities");
    else
      check_add(r, "apparmor_userns", CHECK_OK, required, NULL,
                "kernel.apparmor_restrict_unprivileged_userns is %ld, urun runs as AppArmor \"%s\"", v, label);
  }
}

void check_userns(struct check_report *r) {
  /* root on the host runs a container without one; root of a container
   * (a CI job's) gets a config with one from `urun spec` */
  bool required = !running_as_real_root();
  struct check_trial t;
  check_trial_run(CLONE_NEWUSER | CLONE_NEWNS, NULL, NULL, mount_trial, NULL, &t);
  if (t.unshare_errno) {
    const char *why = "";
    if (t.unshare_errno == ENOSPC) why = ": the user.max_user_namespaces limit is reached (or 0)";
    else if (t.unshare_errno == EPERM && seccomp_filtered_already())
      why = ": a seccomp filter around urun refuses it (a container's profile)";
    char found[512];
    snprintf(found, sizeof(found), "unshare(CLONE_NEWUSER): %s%s", strerror(t.unshare_errno), why);
    check_add_fix(r, "userns", CHECK_FAIL, required, found, "%s",
                  t.unshare_errno == EPERM && seccomp_filtered_already()
                      ? "run the outer container with a seccomp profile that allows unshare and clone with "
                        "CLONE_NEWUSER (podman/docker: --security-opt seccomp=unconfined, or a custom profile)"
                      : "allow unprivileged user namespaces (see the sysctl lines below)");
  } else if (t.map_failed) {
    check_add_fix(r, "userns", CHECK_FAIL, required, t.note, "%s",
                  "a user namespace was made but its id map could not be written: check /proc is mounted and "
                  "writable, and AppArmor (apparmor_userns below)");
  } else if (t.result) {
    char found[512];
    snprintf(found, sizeof(found), "a user namespace was made, but mounting in it failed (%s)", t.note);
    check_add_fix(r, "userns", CHECK_FAIL, required, found, "%s",
                  "if AppArmor restricts user namespaces, install urun's profile "
                  "(apparmor_parser -r /etc/apparmor.d/urun); in a container, run it with "
                  "--security-opt apparmor=unconfined or a profile that allows mount");
  } else {
    r->userns_ok = true;
    check_add(r, "userns", CHECK_OK, required, NULL, "a user namespace with a mount namespace and a tmpfs in it%s",
              in_user_namespace() ? " (nested: urun itself runs in a user namespace)" : "");
  }
  hostname(r, required);
  sysctls(r, required);
}
