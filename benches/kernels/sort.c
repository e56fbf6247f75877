/* Quicksort of pseudo-random integers, repeated; returns a checksum. */
#include "common.h"
#define LEN 200000
static int data[LEN];

static void quicksort(int *v, int lo, int hi) {
    while (lo < hi) {
        int p = v[(lo + hi) >> 1], i = lo, j = hi;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) { int t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quicksort(v, lo, j); lo = i; }
        else { quicksort(v, i, hi); hi = j; }
    }
}

EXPORT int run(int reps) {
    unsigned x = 42;
    int check = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < LEN; i++) { x = x * 1664525u + 1013904223u; data[i] = (int)(x >> 1); }
        quicksort(data, 0, LEN - 1);
        check += data[r % LEN] ^ data[LEN / 2];
    }
    return check;
}
#ifdef NATIVE
int main(int argc, char **argv) { printf("%d\n", run(atoi(argv[1]))); return 0; }
#endif
