/* files: creates, writes, appends, seeks, renames, truncates and deletes
 * files and directories under a directory (default "."), printing what it
 * sees after each step and the errno name of each expected failure. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static char base[512];

static const char *p(const char *name) {
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", base, name);
    return buf[k];
}

static void show(const char *name) {
    FILE *f = fopen(p(name), "rb");
    if (!f) {
        printf("  %s: %s\n", name, errname(errno));
        return;
    }
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    printf("  %s (%zu bytes): \"%s\"\n", name, n, buf);
}

#define TRY(what, expr)                                                 \
    do {                                                                \
        errno = 0;                                                      \
        int r_ = (expr);                                                \
        printf("%s -> %s\n", what, r_ < 0 ? errname(errno) : "OK");     \
    } while (0)

int main(int argc, char **argv) {
    snprintf(base, sizeof base, "%s", argc > 1 ? argv[1] : ".");

    TRY("mkdir work", mkdir(p("work"), 0755));
    TRY("mkdir work again", mkdir(p("work"), 0755));

    FILE *f = fopen(p("work/a.txt"), "w");
    fprintf(f, "first line\n");
    fclose(f);
    f = fopen(p("work/a.txt"), "a");
    fprintf(f, "appended\n");
    fclose(f);
    show("work/a.txt");

    /* Overwrite in the middle with pwrite, read back with pread and lseek. */
    int fd = open(p("work/a.txt"), O_RDWR);
    printf("open O_RDWR -> %s\n", fd < 0 ? errname(errno) : "OK");
    printf("pwrite -> %zd\n", pwrite(fd, "FIRST", 5, 0));
    char small[8] = {0};
    printf("pread -> %zd \"%s\"\n", pread(fd, small, 4, 11), small);
    printf("lseek end -> %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("write -> %zd\n", write(fd, "tail\n", 5));
    struct stat st;
    fstat(fd, &st);
    printf("fstat size -> %lld, regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    printf("ftruncate 10 -> %d\n", ftruncate(fd, 10));
    close(fd);
    show("work/a.txt");

    TRY("O_CREAT|O_EXCL existing", open(p("work/a.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644));
    TRY("open missing", open(p("work/missing.txt"), O_RDONLY));
    TRY("open file as dir", open(p("work/a.txt/x"), O_RDONLY));

    TRY("rename a -> b", rename(p("work/a.txt"), p("work/b.txt")));
    show("work/a.txt");
    show("work/b.txt");
    TRY("mkdir work/sub", mkdir(p("work/sub"), 0755));
    TRY("rename b -> sub/c", rename(p("work/b.txt"), p("work/sub/c.txt")));
    show("work/sub/c.txt");

    TRY("rmdir non-empty", rmdir(p("work/sub")));
    TRY("unlink a directory", unlink(p("work/sub")));
    TRY("rmdir a file", rmdir(p("work/sub/c.txt")));
    TRY("unlink sub/c", unlink(p("work/sub/c.txt")));
    TRY("unlink sub/c again", unlink(p("work/sub/c.txt")));
    TRY("rmdir sub", rmdir(p("work/sub")));

    f = fopen(p("work/keep.txt"), "w");
    fputs("kept\n", f);
    fclose(f);
    TRY("stat keep", stat(p("work/keep.txt"), &st));
    printf("keep size %lld\n", (long long)st.st_size);
    TRY("stat missing", stat(p("work/nope"), &st));
    return 0;
}
