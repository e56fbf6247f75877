/* args_env: prints the program name (without directory or ".wasm"), the
 * arguments, selected variables and the whole environment, sorted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    const char *name = strrchr(argv[0], '/');
    name = name ? name + 1 : argv[0];
    size_t len = strlen(name);
    if (len > 5 && strcmp(name + len - 5, ".wasm") == 0)
        len -= 5;
    printf("program: %.*s\n", (int)len, name);
    printf("argc: %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d]: [%s]\n", i, argv[i]);

    const char *greeting = getenv("GREETING");
    printf("GREETING: %s\n", greeting ? greeting : "(unset)");
    const char *unset = getenv("STRATA_SURELY_UNSET");
    printf("STRATA_SURELY_UNSET: %s\n", unset ? unset : "(unset)");

    int n = 0;
    while (environ[n])
        n++;
    char **sorted = malloc((n + 1) * sizeof *sorted);
    memcpy(sorted, environ, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp);
    printf("environ: %d\n", n);
    for (int i = 0; i < n; i++)
        printf("  %s\n", sorted[i]);
    return 0;
}
