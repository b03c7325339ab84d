/* check_dirs.c: XDG_RUNTIME_DIR and the state root (owner, mode, tmpfs),
 * with a real trial: a directory made and removed in the root. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "state.h"

static bool on_tmpfs(const char *path) {
  struct statfs sf;
  return statfs(path, &sf) == 0 && (sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC);
}

static void xdg_runtime_dir(struct check_report *r) {
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  bool needed = !r->root && !r->root_option; /* the default state root lives there */
  unsigned uid = (unsigned)geteuid();
  if (!xdg || !*xdg) {
    if (geteuid() == 0) {
      check_add(r, "xdg_runtime_dir", CHECK_OK, false, NULL, "not set: root keeps its state in /run/urun");
      return;
    }
    char run_user[64];
    snprintf(run_user, sizeof(run_user), "/run/user/%u", uid);
    struct stat st;
    if (stat(run_user, &st) == 0 && st.st_uid == uid)
      check_add_fix(r, "xdg_runtime_dir", needed ? CHECK_FAIL : CHECK_WARN, needed, "XDG_RUNTIME_DIR is not set",
                    "export XDG_RUNTIME_DIR=%s (or pass --root DIR)", run_user);
    else
      check_add_fix(r, "xdg_runtime_dir", needed ? CHECK_FAIL : CHECK_WARN, needed,
                    "XDG_RUNTIME_DIR is not set and /run/user/UID does not exist (no login session)",
                    "as root: loginctl enable-linger %s, then export XDG_RUNTIME_DIR=%s (or pass --root DIR)",
                    check_user_name(), run_user);
    return;
  }
  struct stat st;
  char found[512];
  if (stat(xdg, &st) < 0 || !S_ISDIR(st.st_mode)) {
    snprintf(found, sizeof(found), "XDG_RUNTIME_DIR=%s: %s", xdg, errno ? strerror(errno) : "not a directory");
    check_add_fix(r, "xdg_runtime_dir", needed ? CHECK_FAIL : CHECK_WARN, needed, found,
                  "mkdir -m 0700 %s (a login session makes it: loginctl enable-linger %s)", xdg, check_user_name());
  } else if (st.st_uid != geteuid()) {
    snprintf(found, sizeof(found), "XDG_RUNTIME_DIR=%s is owned by uid %u, not by you (uid %u)", xdg,
             (unsigned)st.st_uid, uid);
    check_add_fix(r, "xdg_runtime_dir", geteuid() == 0 ? CHECK_WARN : (needed ? CHECK_FAIL : CHECK_WARN),
                  needed && geteuid() != 0, found, "export XDG_RUNTIME_DIR=/run/user/%u (or pass --root DIR)", uid);
  } else if (st.st_mode & 077) {
    snprintf(found, sizeof(found), "XDG_RUNTIME_DIR=%s has mode %04o: others can read your containers' state", xdg,
             st.st_mode & 07777);
    check_add_fix(r, "xdg_runtime_dir", CHECK_WARN, false, found, "chmod 0700 %s", xdg);
  } else if (!on_tmpfs(xdg)) {
    snprintf(found, sizeof(found), "XDG_RUNTIME_DIR=%s is not on a tmpfs: state outlives a reboot", xdg);
    check_add_fix(r, "xdg_runtime_dir", CHECK_WARN, false, found,
                  "use the session's /run/user/%u (systemd-logind makes it a tmpfs)", uid);
  } else {
    check_add(r, "xdg_runtime_dir", CHECK_OK, false, NULL, "%s: yours, mode 0700, tmpfs", xdg);
  }
}

/* The nearest existing directory at or above `path` (path is modified). */
static char *existing_parent(char *path) {
  struct stat st;
  while (stat(path, &st) < 0) {
    char *slash = strrchr(path, '/');
    if (!slash) return NULL;
    if (slash == path) {
      path[1] = '\0';
      break;
    }
    *slash = '\0';
  }
  return path;
}

static void state_root(struct check_report *r) {
  _cleanup_free_ char *path = NULL;
  if (r->root_option) {
    path = strdup(r->root_option);
  } else {
    urun_error *e = state_default_root(&path);
    if (e) {
      /* the cause has its own line (xdg_runtime_dir), which fails */
      check_add(r, "state_root", CHECK_WARN, false, "see xdg_runtime_dir above, or pass --root DIR",
                "no default state root: %s", e->message);
      urun_error_free(e);
      return;
    }
  }
  if (!path) return;
  struct stat st;
  char found[512];
  if (stat(path, &st) < 0) {
    _cleanup_free_ char *copy = strdup(path);
    char *parent = copy ? existing_parent(copy) : NULL;
    if (parent && access(parent, W_OK | X_OK) == 0) {
      check_add(r, "state_root", CHECK_OK, true, NULL, "%s: made at the first create (%s is writable)", path, parent);
    } else {
      snprintf(found, sizeof(found), "%s does not exist and %s is not writable by you", path, parent ? parent : "/");
      check_add_fix(r, "state_root", CHECK_FAIL, true, found, "pass --root with a directory of your own");
    }
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    snprintf(found, sizeof(found), "%s is not a directory", path);
    check_add_fix(r, "state_root", CHECK_FAIL, true, found, "rm %s, or pass --root DIR", path);
    return;
  }
  if (st.st_uid != geteuid()) {
    snprintf(found, sizeof(found), "%s is owned by uid %u, not by you (uid %u)", path, (unsigned)st.st_uid,
             (unsigned)geteuid());
    check_add_fix(r, "state_root", CHECK_FAIL, true, found,
                  "pass --root with a directory of your own (or, as root: chown %u %s)", (unsigned)geteuid(), path);
    return;
  }
  /* the trial: a directory made and removed where containers will be */
  char probe[PATH_MAX];
  snprintf(probe, sizeof(probe), "%s/.urun-check-XXXXXX", path);
  if (!mkdtemp(probe)) {
    snprintf(found, sizeof(found), "%s: cannot make a directory in it: %s", path, strerror(errno));
    check_add_fix(r, "state_root", CHECK_FAIL, true, found, "chmod u+rwx %s, or pass --root DIR", path);
    return;
  }
  rmdir(probe);
  if (st.st_mode & 022) {
    snprintf(found, sizeof(found), "%s has mode %04o: others may write into your containers' state", path,
             st.st_mode & 07777);
    check_add_fix(r, "state_root", CHECK_WARN, false, found, "chmod 0700 %s", path);
    return;
  }
  check_add(r, "state_root", CHECK_OK, true, NULL, "%s: yours, writable%s", path,
            on_tmpfs(path) ? ", tmpfs" : " (not a tmpfs: stale state may outlive a reboot)");
}

void check_dirs(struct check_report *r) {
  xdg_runtime_dir(r);
  state_root(r);
}
