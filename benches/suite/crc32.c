/* Table-driven CRC-32 (IEEE 802.3) over a generated 1 MiB buffer, argv[1] passes. */
#include <stdio.h>
#include <stdlib.h>

#define LEN (1 << 20)
static unsigned char buf[LEN];
static unsigned table[256];

int main(int argc, char **argv) {
    int reps = argc > 1 ? atoi(argv[1]) : 200;
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
    unsigned total = 0;
    for (int r = 0; r < reps; r++) {
        buf[r % LEN] ^= (unsigned char)r;
        unsigned crc = 0xFFFFFFFFu;
        for (int i = 0; i < LEN; i++) crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
        total = total * 31u + ~crc;
    }
    printf("%08x\n", total);
    return 0;
}
