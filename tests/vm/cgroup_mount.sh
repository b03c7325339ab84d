# cgroup_mount.sh: a container without a cgroup namespace of its own must
# not change the host's cgroup2 hierarchy.  The kernel applies the options of
# a new cgroup2 mount made in the initial cgroup namespace to the one
# superblock, for the whole host: a plain mount there drops the nsdelegate
# and memory_recursiveprot that systemd mounted it with.  In ../shared/testvm
# (systemd as PID 1, cgroup v2 with those options), as root: the only one
# whose container can be in the host's cgroup namespace without a user
# namespace.  Run by tests/vm/run.sh.

# The host's cgroup2 superblock options (the last field of its mountinfo line).
host_cgroup2_options() { awk '$5 == "/sys/fs/cgroup" && $9 == "cgroup2" { print $NF }' /proc/self/mountinfo; }

test_container_without_cgroupns_keeps_host_cgroup2_options() {
  is_root || skip "only root's containers share the host's cgroup namespace without a user namespace"
  local before
  before=$(host_cgroup2_options)
  assert_contains "$before" nsdelegate "the VM's systemd mounts cgroup2 with nsdelegate"
  make_bundle b /bin/sh -c 'grep " /sys/fs/cgroup " /proc/self/mountinfo; cat /proc/self/cgroup'
  # no cgroup namespace; a cgroup mount asking for options of its own, as an attacker's config would
  cfg b '.linux.namespaces |= map(select(.type != "cgroup"))
         | .mounts |= map(select(.destination != "/sys/fs/cgroup"))
         | .mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup2", "source": "cgroup2",
                        "options": ["nosuid", "noexec", "nodev", "ro", "memory_localevents"]}]'
  local out
  out=$(cd b && urun run c1 2>&1) || fail "run failed: $out"
  echo "$out"
  # the container sees the cgroup2 tree, read-only, and its own group in it (no namespace: the full path)
  assert_match "$out" ' /sys/fs/cgroup ro,[^ ]*( [^ -][^ ]*)* - cgroup2 ' "the container's /sys/fs/cgroup"
  assert_match "$out" '0::/.+' "the container's /proc/self/cgroup"
  assert_eq "$(host_cgroup2_options)" "$before" "the host's cgroup2 options after the container"
  assert_nothing_left c1 "$T/b"
}
