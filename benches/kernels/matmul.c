/* Dense matrix multiply, double precision, i-k-j order. */
#include "common.h"
#define N 160
static double a[N * N], b[N * N], c[N * N];

EXPORT double run(int reps) {
    for (int i = 0; i < N * N; i++) {
        a[i] = (double)(i % 17) * 0.25 - 1.0;
        b[i] = (double)(i % 13) * 0.5 + 0.125;
    }
    double sum = 0.0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < N * N; i++) c[i] = 0.0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) {
                double aik = a[i * N + k];
                for (int j = 0; j < N; j++) c[i * N + j] += aik * b[k * N + j];
            }
        sum += c[(r * 7) % (N * N)];
        a[r % (N * N)] += 1.0;
    }
    return sum;
}
#ifdef NATIVE
int main(int argc, char **argv) { printf("%.17g\n", run(atoi(argv[1]))); return 0; }
#endif
