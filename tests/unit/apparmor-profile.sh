#!/bin/sh
# apparmor-profile.sh (make check): the AppArmor profile for urun and its
# helpers passes apparmor_parser's syntax check (-QTK: parse and compile,
# never load into the kernel, no cache) and grants `userns,` and nothing
# else to each program.
set -u
profile=${PROFILE:-apparmor/urun}
[ -f "$profile" ] || { echo "FAIL: $profile was not built"; exit 1; }
command -v apparmor_parser >/dev/null || { echo "SKIP: apparmor_parser not installed (apt install apparmor)"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# Each profile's rules, comments and includes aside: exactly "userns,".
rules=$(awk '/^profile /{inside=1; next} inside && /^}/{inside=0; next}
  inside && !/^[[:space:]]*(#|include|$)/ {gsub(/^[[:space:]]+/, ""); print}' "$profile" | sort | uniq -c)
want="      3 userns,"
[ "$rules" = "$want" ] || { echo "FAIL: the profiles' rules are [$rules], want [$want]"; exit 1; }
for p in urun urun-slirp urun-fuse-overlay; do
  grep -q "^profile $p /.*/$p flags=(unconfined) {" "$profile" || { echo "FAIL: no profile for $p"; exit 1; }
done

# AppArmor 4.0 knows the userns rule (and abi/4.0); Debian 12's 3.0 knows
# neither, and its kernels restrict nothing: there the rest of the profile
# is checked with the ABI it has.
printf 'abi <abi/4.0>,\nprofile probe /x flags=(unconfined) {\n  userns,\n}\n' >"$tmp/probe"
if apparmor_parser -QTK "$tmp/probe" >/dev/null 2>&1; then
  checked=$profile
else
  echo "note: apparmor_parser $(apparmor_parser --version | head -1 | awk '{print $NF}') knows no userns rule: checking the rest with abi 3.0"
  sed -e 's|abi <abi/4.0>,|abi <abi/3.0>,|' -e '/^[[:space:]]*userns,$/d' "$profile" >"$tmp/urun"
  checked=$tmp/urun
fi
if ! out=$(apparmor_parser -QTK "$checked" 2>&1); then
  echo "FAIL: apparmor_parser -QTK $profile:"
  echo "$out"
  exit 1
fi
echo "ok: $profile"
