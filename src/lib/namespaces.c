/* namespaces.c: see namespaces.h. */
#define _GNU_SOURCE
#include "namespaces.h"

#include <sched.h>
#include <string.h>

const struct ns_kind ns_kinds[NS_KIND_COUNT] = {
    {"user", "user", CLONE_NEWUSER}, {"mount", "mnt", CLONE_NEWNS},   {"pid", "pid", CLONE_NEWPID},
    {"network", "net", CLONE_NEWNET}, {"ipc", "ipc", CLONE_NEWIPC},   {"uts", "uts", CLONE_NEWUTS},
    {"cgroup", "cgroup", CLONE_NEWCGROUP}, {"time", "time", CLONE_NEWTIME},
};

int ns_flag_of_type(const char *type) {
  for (size_t i = 0; i < NS_KIND_COUNT; i++)
    if (!strcmp(ns_kinds[i].type, type)) return ns_kinds[i].flag;
  return 0;
}

const char *ns_type_of_flag(int flag) {
  for (size_t i = 0; i < NS_KIND_COUNT; i++)
    if (ns_kinds[i].flag == flag) return ns_kinds[i].type;
  return "unknown";
}
