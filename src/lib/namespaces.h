/* namespaces.h: the namespace kinds, by config.json type, /proc name and
 * clone flag. */
#ifndef URUN_NAMESPACES_H
#define URUN_NAMESPACES_H

#include <stddef.h>

struct ns_kind {
  const char *type; /* .linux.namespaces[].type */
  const char *proc; /* /proc/PID/ns/<proc> */
  int flag;         /* CLONE_NEW* */
};

#define NS_KIND_COUNT 8

/* The user namespace first: the order in which setns must join them. */
extern const struct ns_kind ns_kinds[NS_KIND_COUNT];

/* CLONE_NEW* of a config.json type; 0 for none. */
int ns_flag_of_type(const char *type);
/* config.json type of a CLONE_NEW* flag; "unknown" for none. */
const char *ns_type_of_flag(int flag);

#endif
