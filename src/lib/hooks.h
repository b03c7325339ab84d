/* hooks.h: running OCI hooks with the state on stdin, env, args, timeout. */
#ifndef URUN_HOOKS_H
#define URUN_HOOKS_H

#include "error.h"
#include "spec.h"

/* Run each hook of `list` in order; the first failure (non-zero exit,
 * signal, timeout) is the error, naming the hook as `.hooks.<kind>[i]`.
 * A hook with `env` gets exactly that environment; one without gets
 * `default_env`, or urun's own when NULL (runc, crun: PATH and all). */
urun_error *hooks_run(const struct spec_hook_list *list, const char *kind, const char *state_json,
                      char *const *default_env);
/* Every hook of the list, even after one failed (poststop: the spec wants
 * the remaining hooks run); the first failure is returned. */
urun_error *hooks_run_all(const struct spec_hook_list *list, const char *kind, const char *state_json,
                          char *const *default_env);

#endif
