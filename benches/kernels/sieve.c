/* Sieve of Eratosthenes over a byte array, repeated. */
#include "common.h"
#define LIMIT 2000000
static unsigned char composite[LIMIT + 1];

EXPORT int run(int reps) {
    int count = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i <= LIMIT; i++) composite[i] = 0;
        count = 0;
        for (int i = 2; i <= LIMIT; i++) {
            if (!composite[i]) {
                count++;
                for (int j = i + i; j <= LIMIT; j += i) composite[j] = 1;
            }
        }
    }
    return count;
}
#ifdef NATIVE
int main(int argc, char **argv) { printf("%d\n", run(atoi(argv[1]))); return 0; }
#endif
