/* wordcount: reads an input file, counts lines, words and bytes, finds the
 * most frequent word, computes a CRC-32 of the contents, and writes a report
 * to an output file (also printed). Usage: wordcount INPUT OUTPUT */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static uint32_t crc32(const unsigned char *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return ~c;
}

struct word {
    char *text;
    unsigned count;
};

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: wordcount INPUT OUTPUT\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        fprintf(stderr, "wordcount: %s: %s\n", argv[1], errname(errno));
        return 1;
    }
    size_t cap = 1 << 16, len = 0;
    unsigned char *data = malloc(cap);
    size_t n;
    while ((n = fread(data + len, 1, cap - len, in)) > 0) {
        len += n;
        if (len == cap)
            data = realloc(data, cap *= 2);
    }
    fclose(in);

    size_t lines = 0, words = 0, nwords = 0, wcap = 64;
    struct word *table = malloc(wcap * sizeof *table);
    for (size_t i = 0; i < len;) {
        if (data[i] == '\n')
            lines++;
        if (!isalnum(data[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && isalnum(data[i]))
            i++;
        words++;
        char w[64];
        size_t wl = i - start < 63 ? i - start : 63;
        for (size_t k = 0; k < wl; k++)
            w[k] = (char)tolower(data[start + k]);
        w[wl] = 0;
        size_t j;
        for (j = 0; j < nwords && strcmp(table[j].text, w) != 0; j++)
            ;
        if (j == nwords) {
            if (nwords == wcap)
                table = realloc(table, (wcap *= 2) * sizeof *table);
            table[nwords].text = strdup(w);
            table[nwords++].count = 0;
        }
        table[j].count++;
    }
    size_t best = 0;
    for (size_t j = 1; j < nwords; j++)
        if (table[j].count > table[best].count ||
            (table[j].count == table[best].count && strcmp(table[j].text, table[best].text) < 0))
            best = j;

    char report[512];
    int rl = snprintf(report, sizeof report,
                      "lines %zu\nwords %zu\nbytes %zu\ndistinct %zu\nmost frequent %s (%u)\ncrc32 %08x\n",
                      lines, words, len, nwords, nwords ? table[best].text : "-",
                      nwords ? table[best].count : 0, crc32(data, len));
    FILE *out = fopen(argv[2], "wb");
    if (!out) {
        fprintf(stderr, "wordcount: %s: %s\n", argv[2], errname(errno));
        return 1;
    }
    fwrite(report, 1, (size_t)rl, out);
    fclose(out);
    fputs(report, stdout);
    return 0;
}
