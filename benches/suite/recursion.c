/* Plain recursion: naive Fibonacci fib(argv[1]) and Ackermann A(2, m) / A(3, k). */
#include <stdio.h>
#include <stdlib.h>

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static int ack(int m, int n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 35;
    int f = fib(n);
    long long a = 0;
    for (int k = 0; k < n - 26; k++) a += ack(3, 8); /* ~ 2.8M calls each, depth ~2000 */
    printf("%d %lld\n", f, a);
    return 0;
}
