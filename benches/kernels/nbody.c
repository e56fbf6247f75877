/* N-body simulation (5 bodies), double precision; sqrt is a Wasm instruction. */
#include "common.h"
#define BODIES 5
static double x[BODIES], y[BODIES], z[BODIES], vx[BODIES], vy[BODIES], vz[BODIES], m[BODIES];

static double my_sqrt(double v) { return __builtin_sqrt(v); }

EXPORT double run(int steps) {
    for (int i = 0; i < BODIES; i++) {
        x[i] = i * 1.5; y[i] = i * -0.75 + 0.5; z[i] = i * 0.25;
        vx[i] = 0.01 * i; vy[i] = -0.02 * i; vz[i] = 0.005;
        m[i] = 1.0 + i * 0.3;
    }
    const double dt = 0.001;
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < BODIES; i++)
            for (int j = i + 1; j < BODIES; j++) {
                double dx = x[i] - x[j], dy = y[i] - y[j], dz = z[i] - z[j];
                double d2 = dx * dx + dy * dy + dz * dz + 0.01;
                double mag = dt / (d2 * my_sqrt(d2));
                vx[i] -= dx * m[j] * mag; vy[i] -= dy * m[j] * mag; vz[i] -= dz * m[j] * mag;
                vx[j] += dx * m[i] * mag; vy[j] += dy * m[i] * mag; vz[j] += dz * m[i] * mag;
            }
        for (int i = 0; i < BODIES; i++) { x[i] += dt * vx[i]; y[i] += dt * vy[i]; z[i] += dt * vz[i]; }
    }
    double e = 0.0;
    for (int i = 0; i < BODIES; i++) e += m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]) + x[i];
    return e;
}
#ifdef NATIVE
int main(int argc, char **argv) { printf("%.17g\n", run(atoi(argv[1]))); return 0; }
#endif
