/* Quicksort (median of three, insertion sort for small ranges) and top-down
 * mergesort of argv[1] generated 32-bit integers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void insertion(unsigned *a, int lo, int hi) {
    for (int i = lo + 1; i <= hi; i++) {
        unsigned v = a[i]; int j = i - 1;
        while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

static void quicksort(unsigned *a, int lo, int hi) {
    while (hi - lo > 16) {
        int mid = lo + (hi - lo) / 2;
        unsigned x = a[lo], y = a[mid], z = a[hi];
        unsigned p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < p) i++;
            while (a[j] > p) j--;
            if (i <= j) { unsigned t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; }
        else { quicksort(a, i, hi); hi = j; }
    }
    insertion(a, lo, hi);
}

static void mergesort(unsigned *a, unsigned *tmp, int lo, int hi) { /* [lo, hi) */
    if (hi - lo < 2) return;
    int mid = lo + (hi - lo) / 2;
    mergesort(a, tmp, lo, mid);
    mergesort(a, tmp, mid, hi);
    int i = lo, j = mid, k = lo;
    while (i < mid && j < hi) tmp[k++] = a[j] < a[i] ? a[j++] : a[i++];
    while (i < mid) tmp[k++] = a[i++];
    while (j < hi) tmp[k++] = a[j++];
    memcpy(a + lo, tmp + lo, sizeof(unsigned) * (hi - lo));
}

static unsigned check(const unsigned *a, int n) {
    unsigned h = 0;
    for (int i = 0; i < n; i++) {
        if (i && a[i - 1] > a[i]) return 0xDEADu;
        h = h * 16777619u ^ a[i];
    }
    return h;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 3000000;
    unsigned *a = malloc(sizeof(unsigned) * n), *b = malloc(sizeof(unsigned) * n);
    unsigned *tmp = malloc(sizeof(unsigned) * n);
    unsigned x = 2463534242u;
    for (int i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; a[i] = b[i] = x % 1000000007u; }
    quicksort(a, 0, n - 1);
    mergesort(b, tmp, 0, n);
    printf("%08x %08x\n", check(a, n), check(b, n));
    free(a); free(b); free(tmp);
    return 0;
}
