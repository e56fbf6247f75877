/* Open-addressing (linear probing) hash table of u32 -> u32: inserts, lookups, deletes
 * with backward-shift deletion. argv[1] = number of operations. */
#include <stdio.h>
#include <stdlib.h>

#define CAP (1 << 20) /* power of two; keys never exceed ~60% load */
static unsigned keys[CAP], vals[CAP];
static unsigned char used[CAP];
static unsigned count;

static unsigned hash(unsigned k) { k ^= k >> 16; k *= 0x7feb352dU; k ^= k >> 15; k *= 0x846ca68bU; k ^= k >> 16; return k; }

static void put(unsigned k, unsigned v) {
    unsigned i = hash(k) & (CAP - 1);
    while (used[i]) {
        if (keys[i] == k) { vals[i] = v; return; }
        i = (i + 1) & (CAP - 1);
    }
    used[i] = 1; keys[i] = k; vals[i] = v; count++;
}

static int get(unsigned k, unsigned *v) {
    unsigned i = hash(k) & (CAP - 1);
    while (used[i]) {
        if (keys[i] == k) { *v = vals[i]; return 1; }
        i = (i + 1) & (CAP - 1);
    }
    return 0;
}

static void del(unsigned k) {
    unsigned i = hash(k) & (CAP - 1);
    while (used[i] && keys[i] != k) i = (i + 1) & (CAP - 1);
    if (!used[i]) return;
    used[i] = 0; count--;
    unsigned j = i;
    for (;;) { /* shift later members of the cluster back into the hole */
        j = (j + 1) & (CAP - 1);
        if (!used[j]) break;
        unsigned home = hash(keys[j]) & (CAP - 1);
        if (((j - home) & (CAP - 1)) >= ((j - i) & (CAP - 1))) {
            keys[i] = keys[j]; vals[i] = vals[j]; used[i] = 1; used[j] = 0; i = j;
        }
    }
}

int main(int argc, char **argv) {
    int ops = argc > 1 ? atoi(argv[1]) : 10000000;
    unsigned x = 1, sum = 0, hits = 0;
    for (int n = 0; n < ops; n++) {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
        unsigned k = x % 600000u, v;
        switch (n % 4) {
        case 0: case 1: put(k, (unsigned)n); break;
        case 2: if (get(k, &v)) { hits++; sum += v; } break;
        case 3: del(k); break;
        }
    }
    printf("%u %u %u\n", count, hits, sum);
    return 0;
}
