/* journal.h: what create has made, recorded before it makes the next thing.
 *
 * <root>/<id>/journal holds one JSON object a line, appended with a single
 * write each: the cgroup (before it is made, and again once it is known to
 * be this container's own), the systemd scope, init's pid and start time,
 * the network helper's.  A create killed at any instant leaves a journal
 * that names everything it made; delete --force (and a new create of the
 * same id) undo it from there, and state.json is checked against it.
 */
#ifndef URUN_JOURNAL_H
#define URUN_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define JOURNAL_FILE_NAME "journal"

struct journal {
  char *bundle;
  char *cgroup;       /* cgroupfs group create was about to make, or made */
  bool cgroup_owned;  /* found empty after it was made: ours to kill and remove */
  char *unit;         /* systemd scope asked for */
  bool unit_user_bus;
  bool unit_started;  /* systemd started it around init */
  char *unit_cgroup;  /* the scope's leaf group, once started */
  pid_t init;
  uint64_t init_start;
  uint64_t mnt_ns;
  bool own_pid_ns;
  pid_t helper;
  uint64_t helper_start;
};

/* Create the journal in a freshly claimed state directory. */
urun_error *journal_create(int dirfd, int *ret_fd);
/* Append one record; fd < 0 (no journal kept) does nothing. */
urun_error *journal_note_path(int fd, const char *key, const char *path, bool flag);
urun_error *journal_note_unit(int fd, const char *unit, bool user_bus, const char *cgroup);
urun_error *journal_note_pid(int fd, const char *key, pid_t pid, uint64_t start_time);
urun_error *journal_note_namespaces(int fd, uint64_t mnt_ns, bool own_pid_ns);
/* Read it back; a missing journal reads as empty, a line that does not
 * parse (a write cut short) is skipped.  *ret_found: the file exists. */
urun_error *journal_read(int dirfd, struct journal *ret, bool *ret_found);
void journal_free(struct journal *j);

#endif
