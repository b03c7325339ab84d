/* tools.h: the test program's socket helpers (tools.c). */
#ifndef TESTPROG_TOOLS_H
#define TESTPROG_TOOLS_H
/* Runs MODE if it is one of the tools; -1 when it is not. */
int tool_main(const char *mode, int argc, char **argv);
/* The attacker's side of security.sh (attacks.c); -1 when MODE is not one. */
int attack_main(const char *mode, int argc, char **argv);
#endif
