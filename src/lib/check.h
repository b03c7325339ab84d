/* check.h: `urun check`, what urun needs from this host for the calling
 * user, one line per check.  Each check is a small file (check_*.c) that
 * adds its results to a report; where a cheap real trial exists (a
 * throwaway user namespace, a test mount in it) the check makes it rather
 * than guessing from versions, and leaves nothing behind. */
#ifndef URUN_CHECK_H
#define URUN_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

enum check_status { CHECK_OK, CHECK_WARN, CHECK_FAIL };

struct check_item {
  char *name;  /* short and stable: "userns", "subuid", ... (JSON consumers key on it) */
  enum check_status status;
  bool required; /* a failure means no container can run */
  char *found; /* what was found, one line */
  char *fix;   /* the exact fix, for anything not ok; NULL when ok */
};

struct check_report {
  struct check_item *items;
  size_t len, cap;
  const char *root_option; /* --root, or NULL */
  bool root;               /* root with CAP_SETUID/CAP_SETGID: writes any map, needs no delegation */
  bool userns_ok;          /* an unprivileged user namespace could be made (set by check_userns) */
};

/* Add one result; `fix` may be NULL (for ok), `found` is printf-style. */
void check_add(struct check_report *r, const char *name, enum check_status st, bool required, const char *fix,
               const char *found, ...) __attribute__((format(printf, 6, 7)));
/* Same, the fix printf-style too (found given as a plain string). */
void check_add_fix(struct check_report *r, const char *name, enum check_status st, bool required, const char *found,
                   const char *fix, ...) __attribute__((format(printf, 6, 7)));
void check_report_free(struct check_report *r);
/* Can a container run with what is there (no required check failed)? */
bool check_can_run(const struct check_report *r);
/* Print as text lines or as JSON on stdout. */
urun_error *check_print(const struct check_report *r, bool json);

/* The checks, in the order they print. */
void check_userns(struct check_report *r);
void check_ids(struct check_report *r);
void check_dirs(struct check_report *r);
void check_cgroup(struct check_report *r);
void check_devices(struct check_report *r);
void check_kernel(struct check_report *r);
void check_helpers(struct check_report *r);

/* A throwaway child in new namespaces (check_trial.c): it unshares `flags`,
 * the parent writes its maps, then it runs `fn` and hands back fn's int
 * (an errno value, 0 for success) and a short note.  Nothing outlives it. */
struct check_trial {
  int unshare_errno;  /* why unshare failed, or 0 */
  bool map_failed;    /* the maps could not be written: note says why */
  int result;         /* what fn returned */
  char note[256];     /* what fn said */
};
/* The parent's map step: called with the child's pid.  NULL maps the
 * caller's own ids as root of the child, written to /proc with setgroups
 * denied (what any user may do). */
typedef urun_error *(*check_map_fn)(pid_t pid, void *arg);
typedef int (*check_trial_fn)(void *arg, char *note, size_t note_size);
void check_trial_run(int flags, check_map_fn map, void *map_arg, check_trial_fn fn, void *arg,
                     struct check_trial *ret);

/* Small readers the checks share. */
/* A /proc/sys value as a long; false when the file is absent. */
bool check_sysctl(const char *path, long *ret);
/* The first line of a file (no newline) into buf; false when unreadable. */
bool check_read_line(const char *path, char *buf, size_t size);
/* The caller's user name (static buffer), or its uid as text. */
const char *check_user_name(void);

#endif
