/* Table-driven CRC-32 (IEEE) over a generated buffer. */
#include "common.h"
#define LEN (1 << 20)
static unsigned char buf[LEN];
static unsigned table[256];

EXPORT unsigned run(int reps) {
    for (unsigned i = 0; i < 256; i++) {
        unsigned c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    unsigned x = 12345;
    for (int i = 0; i < LEN; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char)(x >> 16);
    }
    unsigned crc = 0;
    for (int r = 0; r < reps; r++) {
        crc = ~crc;
        for (int i = 0; i < LEN; i++) crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
        crc = ~crc;
    }
    return crc;
}
#ifdef NATIVE
int main(int argc, char **argv) { printf("%d\n", (int)run(atoi(argv[1]))); return 0; }
#endif
