/* true.c: the container's process in every bundle of the bench. */
int main(void) { return 0; }
