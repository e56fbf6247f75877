/* LU decomposition with partial pivoting (Doolittle, in place), then a solve. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 500;
    double *a = malloc(sizeof(double) * n * n);
    double *x = malloc(sizeof(double) * n);
    int *piv = malloc(sizeof(int) * n);
    unsigned s = 42;
    for (int i = 0; i < n * n; i++) {
        s = s * 1664525u + 1013904223u;
        a[i] = (double)(s >> 8) / 16777216.0 - 0.5;
    }
    for (int i = 0; i < n; i++) a[i * n + i] += 2.0;
    for (int k = 0; k < n; k++) {
        int p = k;
        double best = fabs(a[k * n + k]);
        for (int i = k + 1; i < n; i++)
            if (fabs(a[i * n + k]) > best) { best = fabs(a[i * n + k]); p = i; }
        piv[k] = p;
        if (p != k)
            for (int j = 0; j < n; j++) {
                double t = a[k * n + j]; a[k * n + j] = a[p * n + j]; a[p * n + j] = t;
            }
        double inv = 1.0 / a[k * n + k];
        for (int i = k + 1; i < n; i++) {
            double f = a[i * n + k] * inv;
            a[i * n + k] = f;
            for (int j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
        }
    }
    /* Solve L U x = P b with b = (1, 1, ..., 1). */
    for (int i = 0; i < n; i++) x[i] = 1.0;
    for (int k = 0; k < n; k++) { double t = x[k]; x[k] = x[piv[k]]; x[piv[k]] = t; }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++) x[i] -= a[i * n + j] * x[j];
    for (int i = n - 1; i >= 0; i--) {
        for (int j = i + 1; j < n; j++) x[i] -= a[i * n + j] * x[j];
        x[i] /= a[i * n + i];
    }
    double sum = 0, det = 0;
    for (int i = 0; i < n; i++) { sum += x[i] * (i % 5 + 1); det += log(fabs(a[i * n + i])) > 0 ? 1 : 0; }
    printf("%.9e %d\n", sum, (int)det);
    free(a); free(x); free(piv);
    return 0;
}
