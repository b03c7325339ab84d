# security.sh: one test per CVE class of runc's and crun's history, each
# written as the attack (issue 15).  A test aims only at files it owns (a copy
# of the binary, a scratch file), never at /proc/sys or the installed urun.
