/* ls: lists a directory (default "."), sorted by name, with each entry's
 * type and, for files, size; recurses into subdirectories. "." and ".." are
 * left out (not every implementation returns them). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (!d) {
        printf("opendir %s: %s\n", dir, errname(errno));
        return 1;
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    int status = 0;
    for (int i = 0; i < n; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (lstat(path, &st) != 0) {
            printf("%*s%s: %s\n", depth * 2, "", names[i], errname(errno));
            status = 1;
        } else if (S_ISDIR(st.st_mode)) {
            printf("%*s%s/\n", depth * 2, "", names[i]);
            status |= list(path, depth + 1);
        } else if (S_ISLNK(st.st_mode)) {
            printf("%*s%s@\n", depth * 2, "", names[i]);
        } else {
            printf("%*s%s %lld\n", depth * 2, "", names[i], (long long)st.st_size);
        }
        free(names[i]);
    }
    return status;
}

int main(int argc, char **argv) {
    return list(argc > 1 ? argv[1] : ".", 0);
}
