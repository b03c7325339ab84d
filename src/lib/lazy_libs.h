/* lazy_libs.h: libsystemd (sd-bus) and libsubid, loaded when first used.
 *
 * Most runs need neither: sd-bus only for the systemd cgroup driver, libsubid
 * only to check a user's subordinate ranges.  Linked at start, they make
 * every run load 15 more shared objects (their own dependencies: libaudit,
 * libselinux, libpam, libgcrypt, liblzma, libzstd...), about a millisecond.
 * Files that call them include this header after the library's own: the
 * names then go through a table filled by dlopen/dlsym. */
#pragma once
#include <stdbool.h>

#include "error.h"

#include <shadow/subid.h>

#define SUBID_FUNCS(X) X(subid_init) X(subid_get_uid_ranges) X(subid_get_gid_ranges)

/* What a library hands out goes back through its own free (lib_free): in
 * a static urun, dlopen gives the library a libc of its own, with its own
 * heap, that our free must not touch. */
struct subid_api {
#define X(f) __typeof__(f) *f;
  SUBID_FUNCS(X)
#undef X
  void (*lib_free)(void *);
};
extern struct subid_api subid_api;
/* Load libsubid (once); the error says what is missing. */
urun_error *subid_load(void);

#ifdef HAVE_SYSTEMD
#include <systemd/sd-bus.h>

#define SDBUS_FUNCS(X)                                                                                      \
  X(sd_bus_call) X(sd_bus_call_method) X(sd_bus_error_free) X(sd_bus_error_has_name) X(sd_bus_error_is_set) \
  X(sd_bus_flush_close_unref) X(sd_bus_get_property_string) X(sd_bus_match_signal)                          \
  X(sd_bus_message_append) X(sd_bus_message_append_array) X(sd_bus_message_close_container)                 \
  X(sd_bus_message_new_method_call) X(sd_bus_message_open_container) X(sd_bus_message_read)                 \
  X(sd_bus_message_unref) X(sd_bus_open_system) X(sd_bus_open_user) X(sd_bus_process) X(sd_bus_slot_unref)  \
  X(sd_bus_wait)

struct sdbus_api {
#define X(f) __typeof__(f) *f;
  SDBUS_FUNCS(X)
#undef X
  void (*lib_free)(void *);
};
extern struct sdbus_api sdbus_api;
/* Load libsystemd (once); the error says what is missing. */
urun_error *sdbus_load(void);
#endif

#ifndef LAZY_LIBS_IMPL
#define subid_init subid_api.subid_init
#define subid_get_uid_ranges subid_api.subid_get_uid_ranges
#define subid_get_gid_ranges subid_api.subid_get_gid_ranges
#ifdef HAVE_SYSTEMD
#define sd_bus_call sdbus_api.sd_bus_call
#define sd_bus_call_method sdbus_api.sd_bus_call_method
#define sd_bus_error_free sdbus_api.sd_bus_error_free
#define sd_bus_error_has_name sdbus_api.sd_bus_error_has_name
#define sd_bus_error_is_set sdbus_api.sd_bus_error_is_set
#define sd_bus_flush_close_unref sdbus_api.sd_bus_flush_close_unref
#define sd_bus_get_property_string sdbus_api.sd_bus_get_property_string
#define sd_bus_match_signal sdbus_api.sd_bus_match_signal
#define sd_bus_message_append sdbus_api.sd_bus_message_append
#define sd_bus_message_append_array sdbus_api.sd_bus_message_append_array
#define sd_bus_message_close_container sdbus_api.sd_bus_message_close_container
#define sd_bus_message_new_method_call sdbus_api.sd_bus_message_new_method_call
#define sd_bus_message_open_container sdbus_api.sd_bus_message_open_container
#define sd_bus_message_read sdbus_api.sd_bus_message_read
#define sd_bus_message_unref sdbus_api.sd_bus_message_unref
#define sd_bus_open_system sdbus_api.sd_bus_open_system
#define sd_bus_open_user sdbus_api.sd_bus_open_user
#define sd_bus_process sdbus_api.sd_bus_process
#define sd_bus_slot_unref sdbus_api.sd_bus_slot_unref
#define sd_bus_wait sdbus_api.sd_bus_wait
#endif
#endif
