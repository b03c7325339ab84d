/* urun-slirp: placeholder until the helper lands */
int main(void) { return 1; }
