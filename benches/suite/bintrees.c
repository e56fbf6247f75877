/* Binary trees (after the Benchmarks Game): allocate and free many complete
 * binary trees with malloc/free and count their nodes. argv[1] = max depth. */
#include <stdio.h>
#include <stdlib.h>

struct node { struct node *l, *r; };

static struct node *make(int d) {
    struct node *n = malloc(sizeof *n);
    if (d > 0) { n->l = make(d - 1); n->r = make(d - 1); }
    else n->l = n->r = NULL;
    return n;
}
static long check(const struct node *n) { return n->l ? 1 + check(n->l) + check(n->r) : 1; }
static void release(struct node *n) { if (n->l) { release(n->l); release(n->r); } free(n); }

int main(int argc, char **argv) {
    int maxd = argc > 1 ? atoi(argv[1]) : 16;
    if (maxd < 6) maxd = 6;
    struct node *stretch = make(maxd + 1);
    printf("stretch %d %ld\n", maxd + 1, check(stretch));
    release(stretch);
    struct node *longlived = make(maxd);
    for (int d = 4; d <= maxd; d += 2) {
        long iters = 1L << (maxd - d + 4), sum = 0;
        for (long i = 0; i < iters; i++) { struct node *t = make(d); sum += check(t); release(t); }
        printf("%ld trees of depth %d check %ld\n", iters, d, sum);
    }
    printf("long lived %d %ld\n", maxd, check(longlived));
    release(longlived);
    return 0;
}
