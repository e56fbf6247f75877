/* Mandelbrot set on an n x n grid over [-2, 1] x [-1.5, 1.5], up to 50 iterations;
 * prints the number of points in the set and a hash of the iteration counts. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 4000;
    unsigned inside = 0, h = 2166136261u;
    for (int y = 0; y < n; y++) {
        double ci = 3.0 * y / n - 1.5;
        for (int x = 0; x < n; x++) {
            double cr = 3.0 * x / n - 2.0, zr = 0, zi = 0;
            int it = 0;
            while (it < 50 && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                it++;
            }
            if (it == 50) inside++;
            h = (h ^ (unsigned)it) * 16777619u;
        }
    }
    printf("%u %08x\n", inside, h);
    return 0;
}
