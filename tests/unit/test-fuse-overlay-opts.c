/* test-fuse-overlay-opts.c: the helpers' "-o" lists and
 * urun-fuse-overlay's id maps (uidmapping=, gidmapping=). */
#include "../../helpers/common/kvopts.h"
#include "../../helpers/urun-fuse-overlay/idmap.h"
#include "../../helpers/urun-fuse-overlay/ovl.h"
#include "unit.h"

struct ovl ovl; /* idmap.c's idmap_present reads the options from it */

static int collect(const char *key, const char *value, void *arg) {
  char *out = arg;
  size_t len = strlen(out);
  snprintf(out + len, 256 - len, "[%s|%s]", key, value ? value : "-");
  return !strcmp(key, "stop") ? 7 : 0;
}

static void test_kvopts(void) {
  char out[256] = "";
  CHECK(kvopts_parse("lowerdir=/a:/b,upperdir=/u,ro,,x=", collect, out) == 0);
  CHECK(!strcmp(out, "[lowerdir|/a:/b][upperdir|/u][ro|-][x|]"));
  out[0] = '\0';
  CHECK(kvopts_parse("fsname=a\\,b,k=v=w", collect, out) == 0);
  CHECK(!strcmp(out, "[fsname|a,b][k|v=w]"));
  out[0] = '\0';
  CHECK(kvopts_parse("a,stop,b", collect, out) == 7);
  CHECK(!strcmp(out, "[a|-][stop|-]"));
}

static void test_idmap(void) {
  /* fuse-overlayfs's sense: stored C+i shows as H+i */
  struct idmap m = {0};
  CHECK(idmap_parse("0:100000:10:1000:300000:10", &m) == NULL);
  CHECK(m.n == 2);
  CHECK(idmap_show(&m, 0) == 100000);
  CHECK(idmap_show(&m, 9) == 100009);
  CHECK(idmap_show(&m, 10) == OVERFLOW_ID);
  CHECK(idmap_show(&m, 1002) == 300002);
  CHECK(idmap_show(&m, 100000) == OVERFLOW_ID);
  uint32_t stored = 0;
  CHECK(idmap_store(&m, 300003, &stored) && stored == 1003);
  CHECK(idmap_store(&m, 100000, &stored) && stored == 0);
  CHECK(!idmap_store(&m, 50000, &stored));
  CHECK(!idmap_store(&m, 1003, &stored));
  free(m.r);
  /* what containers/storage passes for podman --userns=auto */
  struct idmap st = {0};
  CHECK(idmap_parse(":0:1:1024", &st) == NULL);
  CHECK(st.n == 1 && idmap_show(&st, 0) == 1 && idmap_show(&st, 1023) == 1024);
  free(st.r);
  struct idmap bad = {0};
  CHECK(idmap_parse("0:1", &bad) != NULL);
  CHECK(idmap_parse("0:1:0", &bad) != NULL);
  CHECK(idmap_parse("0:1:2:", &bad) != NULL);
  CHECK(idmap_parse("0:-1:2", &bad) != NULL);
  CHECK(idmap_parse("4294967295:0:2", &bad) != NULL);
  CHECK(idmap_parse("a:b:c", &bad) != NULL);
  CHECK(idmap_parse(":", &bad) != NULL);
  CHECK(idmap_parse("::0:1:2", &bad) != NULL);
  free(bad.r);
  struct idmap none = {0};
  CHECK(idmap_show(&none, 1234) == 1234);
  CHECK(idmap_store(&none, 1234, &stored) && stored == 1234);
}

int main(void) {
  test_kvopts();
  test_idmap();
  return unit_finish();
}
