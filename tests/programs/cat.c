/* cat: copies each file named on the command line (or stdin when there is
 * none) to stdout. A file that cannot be opened is reported on stderr by
 * errno name and makes the exit status 1. */
#include <stdio.h>
#include <string.h>

#include "common.h"

static void copy(FILE *in) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, stdout);
}

int main(int argc, char **argv) {
    int status = 0;
    if (argc < 2) {
        copy(stdin);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "cat: %s: %s\n", argv[i], errname(errno));
            status = 1;
            continue;
        }
        copy(f);
        fclose(f);
    }
    return status;
}
