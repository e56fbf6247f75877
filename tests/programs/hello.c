/* Hello world: stdout, stderr and an exit status of 0. */
#include <stdio.h>

int main(void) {
    printf("Hello, world!\n");
    fprintf(stderr, "hello on stderr\n");
    return 0;
}
