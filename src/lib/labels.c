/* labels.c: AppArmor profiles and SELinux labels; see labels.h. */
#define _GNU_SOURCE
#include "config.h"
#include "labels.h"

#include <errno.h>
#include <unistd.h>

#include "lazy_libs.h"
#include "log.h"

/* What labels_prepare decided; init and exec's child inherit it. */
static bool apparmor_active, selinux_active;

static bool has(const char *s) { return s && *s; }

static urun_error *prepare_apparmor(const char *profile) {
#ifdef HAVE_APPARMOR
  TRY(urun_error_wrap(apparmor_load(), "config.json: .process.apparmorProfile"));
  if (!aa_is_enabled())
    return urun_error_new("config.json: .process.apparmorProfile: AppArmor is not enabled on this host (%s): "
                          "remove the field, or enable AppArmor",
                          errno == ENOSYS ? "not in the kernel" : "switched off or not mounted");
  apparmor_active = true;
  return NULL;
#else
  (void)profile;
  if (access("/sys/module/apparmor/parameters/enabled", F_OK) < 0)
    return urun_error_new("config.json: .process.apparmorProfile: AppArmor is not enabled on this host: "
                          "remove the field, or enable AppArmor");
  return urun_error_new("config.json: .process.apparmorProfile: this urun was built without AppArmor "
                        "(configure found no libapparmor-dev)");
#endif
}

/* SELinux labels count only where SELinux is enabled (crun's rule). */
static urun_error *prepare_selinux(void) {
#ifdef HAVE_SELINUX
  TRY(urun_error_wrap(selinux_load(), "SELinux labels"));
  selinux_active = is_selinux_enabled() > 0;
#else
  if (access("/sys/fs/selinux/enforce", F_OK) == 0)
    return urun_error_new("config.json: SELinux labels: this urun was built without SELinux (configure found "
                          "no libselinux1-dev) and SELinux is enabled on this host");
#endif
  if (!selinux_active) log_debug("SELinux is not enabled: its labels are ignored");
  return NULL;
}

urun_error *labels_prepare(const struct spec_process *p, const char *mount_label) {
  if (has(p->apparmor_profile)) TRY(prepare_apparmor(p->apparmor_profile));
  if (has(p->selinux_label) || has(mount_label)) TRY(prepare_selinux());
  return NULL;
}

urun_error *labels_apply_on_exec(const struct spec_process *p) {
#ifdef HAVE_APPARMOR
  if (apparmor_active && has(p->apparmor_profile) && aa_change_onexec(p->apparmor_profile) < 0)
    return urun_error_errno("config.json: .process.apparmorProfile: change to profile \"%s\" on exec (is it loaded?)",
                            p->apparmor_profile);
#endif
#ifdef HAVE_SELINUX
  if (selinux_active && has(p->selinux_label) && setexeccon(p->selinux_label) < 0)
    return urun_error_errno("config.json: .process.selinuxLabel: set \"%s\" for the exec", p->selinux_label);
#endif
  (void)p;
  return NULL;
}

bool labels_selinux_active(void) { return selinux_active; }
