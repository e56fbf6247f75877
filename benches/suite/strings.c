/* String processing over generated text: tokenise into words, count word
 * frequencies in a chained hash table of strings, and count occurrences of a
 * few substrings with a naive search and strstr. argv[1] = text size in KiB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *syll[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "qua", "th", "an"};

struct entry { char *word; unsigned count; struct entry *next; };
#define BUCKETS 4096
static struct entry *table[BUCKETS];

static unsigned hash(const char *s, size_t n) { unsigned h = 5381; while (n--) h = h * 33 + (unsigned char)*s++; return h; }

static void add(const char *s, size_t n) {
    unsigned b = hash(s, n) & (BUCKETS - 1);
    for (struct entry *e = table[b]; e; e = e->next)
        if (strlen(e->word) == n && memcmp(e->word, s, n) == 0) { e->count++; return; }
    struct entry *e = malloc(sizeof *e);
    e->word = malloc(n + 1); memcpy(e->word, s, n); e->word[n] = 0;
    e->count = 1; e->next = table[b]; table[b] = e;
}

static long naive_count(const char *text, size_t len, const char *pat) {
    size_t m = strlen(pat); long c = 0;
    for (size_t i = 0; i + m <= len; i++) {
        size_t j = 0;
        while (j < m && text[i + j] == pat[j]) j++;
        if (j == m) c++;
    }
    return c;
}

static long strstr_count(const char *text, const char *pat) {
    long c = 0;
    for (const char *p = text; (p = strstr(p, pat)); p++) c++;
    return c;
}

int main(int argc, char **argv) {
    int kib = argc > 1 ? atoi(argv[1]) : 4096;
    size_t cap = (size_t)kib * 1024;
    char *text = malloc(cap + 16);
    size_t len = 0;
    unsigned x = 99;
    while (len + 12 < cap) { /* words of 1-4 syllables separated by spaces / punctuation */
        x = x * 1103515245u + 12345u;
        int ns = 1 + (x >> 16) % 4;
        for (int k = 0; k < ns; k++) {
            x = x * 1103515245u + 12345u;
            const char *s = syll[(x >> 16) % 12];
            while (*s) text[len++] = *s++;
        }
        x = x * 1103515245u + 12345u;
        int r = (x >> 16) % 16;
        text[len++] = r == 0 ? '.' : r == 1 ? ',' : r == 2 ? '\n' : ' ';
    }
    text[len] = 0;
    /* Uppercase the first letter after each full stop, lowercase it again: a pass of per-char work. */
    for (size_t i = 1; i < len; i++) if (text[i - 1] == '.' && text[i] >= 'a' && text[i] <= 'z') text[i] -= 32;
    for (size_t i = 0; i < len; i++) if (text[i] >= 'A' && text[i] <= 'Z') text[i] += 32;
    long words = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && !(text[i] >= 'a' && text[i] <= 'z')) i++;
        size_t start = i;
        while (i < len && text[i] >= 'a' && text[i] <= 'z') i++;
        if (i > start) { add(text + start, i - start); words++; }
    }
    unsigned distinct = 0, best = 0, h = 0;
    const char *bestw = "";
    for (int b = 0; b < BUCKETS; b++)
        for (struct entry *e = table[b]; e; e = e->next) {
            distinct++;
            h ^= hash(e->word, strlen(e->word)) * e->count;
            if (e->count > best || (e->count == best && strcmp(e->word, bestw) < 0)) { best = e->count; bestw = e->word; }
        }
    long n1 = naive_count(text, len, "quaka"), n2 = naive_count(text, len, "thanth");
    long s1 = strstr_count(text, "zevo"), s2 = strstr_count(text, "an.ka");
    printf("%ld %u %s %u %08x %ld %ld %ld %ld\n", words, distinct, bestw, best, h, n1, n2, s1, s2);
    return 0;
}
