/* sandbox: tries to reach outside its preopened directory. Every attempt
 * must fail; it prints the errno name of each, and exits 0 only if none
 * succeeded. Run it with the current directory preopened and symlinks in it
 * pointing outside: "escape" to an absolute file, "escape-rel" to
 * "../x", "escape-dir" to the parent directory (the harness makes them). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static int escaped;

#define ATTEMPT(what, expr)                                      \
    do {                                                         \
        errno = 0;                                               \
        int r_ = (expr);                                         \
        if (r_ >= 0)                                             \
            escaped = 1;                                         \
        printf("%s -> %s\n", what, r_ >= 0 ? "SUCCEEDED" : errname(errno)); \
    } while (0)

int main(void) {
    struct stat st;
    ATTEMPT("open ../x", open("../x", O_RDONLY));
    ATTEMPT("create ../x", open("../x", O_WRONLY | O_CREAT, 0644));
    ATTEMPT("create sub/../../x", open("sub/../../x", O_WRONLY | O_CREAT, 0644));
    ATTEMPT("open /etc/passwd", open("/etc/passwd", O_RDONLY));
    ATTEMPT("open escape", open("escape", O_RDONLY));
    ATTEMPT("create through escape", open("escape", O_WRONLY | O_TRUNC));
    ATTEMPT("open escape-rel", open("escape-rel", O_RDONLY));
    ATTEMPT("open escape-dir/x", open("escape-dir/x", O_RDONLY));
    ATTEMPT("stat ../x", stat("../x", &st));
    ATTEMPT("mkdir ../newdir", mkdir("../newdir", 0755));
    ATTEMPT("rename into ..", rename("inside.txt", "../moved.txt"));
    ATTEMPT("unlink ../x", unlink("../x"));
    return escaped;
}
