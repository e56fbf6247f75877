/* 2-D five-point Jacobi stencil on an n x n grid, 100 sweeps. */
#include <stdio.h>
#include <stdlib.h>

#define SWEEPS 100

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    double *u = calloc((size_t)n * n, sizeof(double));
    double *v = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++) {
        u[i] = v[i] = 1.0;                          /* hot top edge */
        u[(n - 1) * n + i] = v[(n - 1) * n + i] = -1.0; /* cold bottom edge */
    }
    u[(n / 2) * n + n / 2] = 100.0;
    for (int s = 0; s < SWEEPS; s++) {
        for (int i = 1; i < n - 1; i++)
            for (int j = 1; j < n - 1; j++)
                v[i * n + j] = 0.25 * (u[(i - 1) * n + j] + u[(i + 1) * n + j] +
                                       u[i * n + j - 1] + u[i * n + j + 1]);
        double *t = u; u = v; v = t;
    }
    double sum = 0;
    for (int i = 0; i < n * n; i++) sum += u[i] * (double)(i % 3 + 1);
    printf("%.9e\n", sum);
    free(u); free(v);
    return 0;
}
