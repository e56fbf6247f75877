/* clocks_random: reads the realtime and monotonic clocks, sleeps (WASI
 * poll_oneoff), and draws random bytes. The values differ from run to run,
 * so it prints checks, not values. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t) {
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
    struct timespec rt, m0, m1, res;
    clock_gettime(CLOCK_REALTIME, &rt);
    /* After 2020-01-01 and before 2100-01-01. */
    printf("realtime plausible: %d\n", rt.tv_sec > 1577836800LL && rt.tv_sec < 4102444800LL);
    time_t t = time(NULL);
    long long diff = (long long)t - (long long)rt.tv_sec;
    printf("time() agrees: %d\n", diff >= 0 && diff <= 2);
    printf("realtime resolution > 0: %d\n",
           clock_getres(CLOCK_REALTIME, &res) == 0 && ns(res) > 0);
    printf("monotonic resolution > 0: %d\n",
           clock_getres(CLOCK_MONOTONIC, &res) == 0 && ns(res) > 0);

    clock_gettime(CLOCK_MONOTONIC, &m0);
    struct timespec nap = {0, 20 * 1000 * 1000};
    int slept = nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &m1);
    long long elapsed = ns(m1) - ns(m0);
    printf("nanosleep 20ms -> %d\n", slept);
    printf("monotonic advanced >= 20ms: %d\n", elapsed >= 20000000LL);
    printf("monotonic advanced < 10s: %d\n", elapsed < 10000000000LL);

    unsigned char a[32], b[32], zero[32] = {0};
    int ra = getentropy(a, sizeof a), rb = getentropy(b, sizeof b);
    printf("getentropy -> %d %d\n", ra, rb);
    printf("random not all zero: %d\n", memcmp(a, zero, sizeof a) != 0);
    printf("two draws differ: %d\n", memcmp(a, b, sizeof a) != 0);
    /* A byte histogram of 64 KiB of random data: every value appears. */
    static unsigned char big[65536];
    unsigned counts[256] = {0};
    for (size_t off = 0; off < sizeof big; off += 256)
        getentropy(big + off, 256);
    for (size_t i = 0; i < sizeof big; i++)
        counts[big[i]]++;
    int missing = 0;
    for (int i = 0; i < 256; i++)
        missing += counts[i] == 0;
    printf("byte values missing from 64 KiB: %d\n", missing);
    return 0;
}
