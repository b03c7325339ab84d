/* mount_overlay.c: overlay mounts. The kernel's overlayfs first (with
 * userxattr in a user namespace, as the kernel requires there); where it is
 * refused, urun-fuse-overlay, run inside the container's namespaces before
 * pivot_root so that its mount exists only there and goes with them. */
#define _GNU_SOURCE
#include "mount_overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "fsutil.h"
#include "helper_exec.h"
#include "log.h"

/* The helper takes the kernel's layer options, less those only the kernel knows. */
static bool helper_takes(const char *opt) {
  static const char *const keep[] = {"lowerdir=", "upperdir=", "workdir=", "volatile", NULL};
  for (size_t i = 0; keep[i]; i++)
    if (!strncmp(opt, keep[i], strlen(keep[i]))) return true;
  return false;
}

static char *helper_options(const char *data, unsigned long flags) {
  size_t cap = strlen(data ? data : "") + 64;
  char *out = calloc(1, cap);
  _cleanup_free_ char *copy = strdup(data ? data : "");
  if (!out || !copy) {
    free(out);
    return NULL;
  }
  for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
    if (helper_takes(t)) snprintf(out + strlen(out), cap - strlen(out), "%s%s", *out ? "," : "", t);
  static const struct {
    unsigned long flag;
    const char *name;
  } fl[] = {{MS_RDONLY, "ro"}, {MS_NOSUID, "nosuid"}, {MS_NODEV, "nodev"}, {MS_NOEXEC, "noexec"}};
  for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
    if (flags & fl[i].flag) snprintf(out + strlen(out), cap - strlen(out), ",%s", fl[i].name);
  /* FUSE mounts default to nosuid,nodev; the kernel overlay does not */
  if (!(flags & MS_NOSUID)) snprintf(out + strlen(out), cap - strlen(out), ",suid");
  if (!(flags & MS_NODEV)) snprintf(out + strlen(out), cap - strlen(out), ",dev");
  return out;
}

/* Run the helper on the mount point TARGET (its fd 3; LOWER, if >= 0, its
 * fd 4) and wait until it reports the mount ready. */
static urun_error *run_helper(const char *dest, int target, int lower, const char *opts) {
  /* from a sealed copy: the helper lives on in the container's namespaces,
   * its pid namespace included, where /proc/PID/exe would lead to its file */
  _cleanup_free_ char *exe = NULL;
  _cleanup_close_ int sealed = -1;
  TRY(urun_error_wrap(helper_exec_sealed("urun-fuse-overlay", &exe, &sealed), "mount overlay on %s", dest));
  pid_t pid = fork();
  if (pid < 0) return urun_error_errno("mount overlay on %s: fork", dest);
  if (pid == 0) {
    /* fds 3 and 4, the only ones it gets (all of ours are close-on-exec) */
    int t = fcntl(target, F_DUPFD_CLOEXEC, 10), l = lower >= 0 ? fcntl(lower, F_DUPFD_CLOEXEC, 10) : -1;
    int x = fcntl(sealed, F_DUPFD_CLOEXEC, 10);
    if (t < 0 || x < 0 || dup2(t, 3) < 0 || (l >= 0 && dup2(l, 4) < 0)) _exit(126);
    char *argv[] = {"urun-fuse-overlay", "-o", (char *)opts, "/proc/self/fd/3", NULL};
    syscall(SYS_execveat, x, "", argv, environ, AT_EMPTY_PATH);
    dprintf(2, "urun: exec %s: %s\n", exe, strerror(errno));
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return urun_error_errno("mount overlay on %s: wait for urun-fuse-overlay", dest);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return urun_error_new("mount overlay on %s: urun-fuse-overlay (%s) failed (status %d)", dest, exe,
                          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return NULL;
}

/* The kernel's overlay, else the helper. LOWER: fd of a lower layer
 * DATA names as /proc/self/fd/4 for the helper, or -1. */
static urun_error *overlay_either(const struct mount_context *ctx, const char *dest, int target, int lower,
                                  unsigned long flags, const char *kdata, const char *hdata) {
  char tpath[32];
  fd_path(target, tpath);
  const char *driver = spec_annotation(ctx->spec, OVERLAY_DRIVER_ANNOTATION);
  if (driver && strcmp(driver, "kernel") && strcmp(driver, "fuse") && strcmp(driver, "auto"))
    return urun_error_new("annotation " OVERLAY_DRIVER_ANNOTATION ": expected kernel, fuse or auto, got '%s'", driver);
  int why = 0;
  if (!driver || strcmp(driver, "fuse")) {
    _cleanup_free_ char *data = NULL;
    /* in a user namespace the kernel takes only the user.overlay.* xattrs */
    if (ctx->in_userns && !strstr(kdata, "userxattr") && asprintf(&data, "%s,userxattr", kdata) < 0)
      return urun_error_code(ENOMEM, "mount overlay on %s", dest);
    if (mount("overlay", tpath, "overlay", flags, data ? data : kdata) == 0) {
      log_debug("mount overlay on %s: the kernel's overlayfs", dest);
      return NULL;
    }
    why = errno;
    bool refused = why == EPERM || why == EACCES || why == EINVAL || why == ENODEV || why == EOPNOTSUPP;
    if (!refused || (driver && !strcmp(driver, "kernel"))) return urun_error_errno("mount overlay on %s", dest);
    log_debug("mount overlay on %s: the kernel's overlayfs refused it (%s): urun-fuse-overlay instead", dest,
              strerror(why));
  } else {
    log_debug("mount overlay on %s: urun-fuse-overlay (annotation " OVERLAY_DRIVER_ANNOTATION "=fuse)", dest);
  }
  _cleanup_free_ char *opts = helper_options(hdata, flags);
  if (!opts) return urun_error_code(ENOMEM, "mount overlay on %s", dest);
  /* The helper runs in the container's user and pid namespaces, where the
   * kernel lets a process with CAP_SYS_PTRACE trace it (non-dumpable or
   * not) and so use its fds on the host's layer directories. */
  if (caps_bounding_has(&ctx->spec->process.capabilities, "CAP_SYS_PTRACE"))
    return urun_error_new("mount overlay on %s: urun-fuse-overlay would run within reach of the container's "
                          "CAP_SYS_PTRACE (and so would its fds on the layers): drop CAP_SYS_PTRACE from "
                          ".process.capabilities.bounding, or use a kernel overlay",
                          dest);
  urun_error *e = run_helper(dest, target, lower, opts);
  return why ? urun_error_wrap(e, "the kernel refused it (%s)", strerror(why)) : e;
}

urun_error *mount_overlay(const struct mount_context *ctx, const char *dest, int target, unsigned long flags,
                          const char *data) {
  if (!data || !strstr(data, "lowerdir="))
    return urun_error_new("mount overlay on %s: the options name no lowerdir=", dest);
  return overlay_either(ctx, dest, target, -1, flags, data, data);
}

static bool is_on(const char *v) { return !*v || !strcmp(v, "1") || !strcmp(v, "true"); }

static urun_error *mkdir_p(const char *path, mode_t mode) {
  _cleanup_free_ char *copy = strdup(path);
  if (!copy) return urun_error_code(ENOMEM, "mkdir %s", path);
  for (char *p = copy + 1;; p++) {
    if (*p == '/' || !*p) {
      char c = *p;
      *p = '\0';
      if (mkdir(copy, mode) < 0 && errno != EEXIST) return urun_error_errno("mkdir %s", copy);
      if (!c) return NULL;
      *p = c;
    }
  }
}

static bool is_off(const char *v) { return !strcmp(v, "0") || !strcmp(v, "false"); }

urun_error *mount_rootfs_overlay(const struct mount_context *ctx, const char *upper) {
  const char *where = "annotation " ROOTFS_OVERLAY_ANNOTATION;
  if (is_off(upper)) return NULL;
  _cleanup_close_ int lower = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (lower < 0) return urun_error_errno("open rootfs %s", ctx->rootfs);
  struct stat root;
  if (fstat(lower, &root) < 0) return urun_error_errno("rootfs %s", ctx->rootfs);
  _cleanup_free_ char *up = NULL, *work = NULL;
  if (is_on(upper)) {
    /* the changes live in a tmpfs over the rootfs path in our own mount
     * namespace: they go when the container does */
    if (mount("tmpfs", ctx->rootfs, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
      return urun_error_errno("%s: mount a tmpfs for the writable layer", where);
    up = path_join(ctx->rootfs, "upper");
    work = path_join(ctx->rootfs, "work");
  } else {
    if (upper[0] != '/') return urun_error_new("%s: expected an absolute directory, got '%s'", where, upper);
    up = path_join(upper, "upper");
    work = path_join(upper, "work");
  }
  if (!up || !work) return urun_error_code(ENOMEM, "%s", where);
  TRY(urun_error_wrap(mkdir_p(up, 0755), "%s", where));
  TRY(urun_error_wrap(mkdir_p(work, 0700), "%s", where));
  /* the merged root shows the upper directory's owner and mode: the rootfs's */
  if (lchown(up, root.st_uid, root.st_gid) < 0 && errno != EPERM && errno != EINVAL)
    return urun_error_errno("%s: chown %s", where, up);
  if (chmod(up, root.st_mode & 07777) < 0) return urun_error_errno("%s: chmod %s", where, up);
  char lpath[32];
  fd_path(lower, lpath);
  _cleanup_free_ char *kdata = NULL, *hdata = NULL;
  if (asprintf(&kdata, "lowerdir=%s,upperdir=%s,workdir=%s", lpath, up, work) < 0 ||
      asprintf(&hdata, "lowerdir=/proc/self/fd/4,upperdir=%s,workdir=%s", up, work) < 0)
    return urun_error_code(ENOMEM, "%s", where);
  _cleanup_close_ int target = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (target < 0) return urun_error_errno("open rootfs %s", ctx->rootfs);
  return overlay_either(ctx, "the rootfs", target, lower, 0, kdata, hdata);
}

urun_error *rootfs_overlay_annotate(struct spec *spec, const char *dir) {
  _cleanup_free_ char *abs = NULL;
  if (*dir && dir[0] != '/' && !is_on(dir) && !is_off(dir)) {
    char cwd[4096];
    if (!getcwd(cwd, sizeof(cwd))) return urun_error_errno("--overlay: getcwd");
    if (!(abs = path_join(cwd, dir))) return urun_error_code(ENOMEM, "--overlay");
  }
  const char *value = abs ? abs : dir;
  struct str_map *a = &spec->annotations;
  char **keys = realloc(a->keys, (a->len + 2) * sizeof(char *));
  if (keys) a->keys = keys;
  char **values = keys ? realloc(a->values, (a->len + 2) * sizeof(char *)) : NULL;
  if (values) a->values = values;
  if (!keys || !values) return urun_error_code(ENOMEM, "--overlay");
  for (size_t i = 0; i < a->len; i++)
    if (!strcmp(a->keys[i], ROOTFS_OVERLAY_ANNOTATION)) {
      char *v = strdup(value);
      if (!v) return urun_error_code(ENOMEM, "--overlay");
      free(a->values[i]);
      a->values[i] = v;
      return NULL;
    }
  a->keys[a->len] = strdup(ROOTFS_OVERLAY_ANNOTATION);
  a->values[a->len] = strdup(value);
  if (!a->keys[a->len] || !a->values[a->len]) {
    free(a->keys[a->len]);
    free(a->values[a->len]);
    return urun_error_code(ENOMEM, "--overlay");
  }
  a->len++;
  a->keys[a->len] = a->values[a->len] = NULL;
  return NULL;
}
