/* tools.h: the test program's socket helpers (tools.c). */
#ifndef TESTPROG_TOOLS_H
#define TESTPROG_TOOLS_H
/* Runs MODE if it is one of the tools; -1 when it is not. */
int tool_main(const char *mode, int argc, char **argv);
/* Runs MODE if it is one of the attacks (attack.c); -1 when it is not. */
int attack_main(const char *mode, int argc, char **argv);
#endif
