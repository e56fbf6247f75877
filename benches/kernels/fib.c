/* Recursive Fibonacci: call overhead. */
#include "common.h"
static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
EXPORT int run(int n) { return fib(n); }
#ifdef NATIVE
int main(int argc, char **argv) { printf("%d\n", run(atoi(argv[1]))); return 0; }
#endif
