/* The fault-injection table of docs/proofs.md, kept true.
 *
 * docs/proofs.md holds, between the markers <!-- fault-table --> and
 * <!-- /fault-table -->, a Markdown table with one row per injected defect
 * (the checker's GFL_CHAIN_FAULT_*, the fast path's GFL_FAULT_*, and "none")
 * and one column per link of the proof chain: the verdict each link gives
 * when that defect is switched on, on the instance the row names (case, T).
 * This suite runs every row and asserts that each cell is in the observed
 * verdict's class -- caught (FAIL, VIOLATED, UNCERTIFIED) or not caught
 * (PASS, CONSISTENT, INCONCLUSIVE, N/A).  Links and faults come from the
 * code: one the table lacks is a failure that says what to add, and on any
 * mismatch the observed table is printed, ready to paste. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfl_check.h"
#include "gfl_fast.h"
#include "gfl_fast_fault.h"
#include "gfl_test.h"
#include "gfl_train.h"

#define DOC "docs/proofs.md"
#define MARK_BEGIN "<!-- fault-table -->"
#define MARK_END "<!-- /fault-table -->"
#define MAX_COLS 32
#define MAX_ROWS 32
#define CELL 40
#define NFIXED 3 /* fault, case, T */

typedef struct {
    int ncol;
    char cell[MAX_COLS][CELL];
} ft_row;

typedef struct {
    ft_row head;
    int nrow;
    ft_row row[MAX_ROWS];
} ft_table;

typedef struct {
    char name[CELL];
    gfl_chain_fault chain;
    int fast;
} ft_fault;

static void fault_reset(void) { gfl_fast_fault = GFL_FAULT_NONE; }

/* Every fault the code defines: the checker's by name, the fast path's by its
 * enum (a new GFL_FAULT_* needs a row without this file changing). */
static int faults_list(ft_fault *f, int max)
{
    static const struct { const char *name; gfl_chain_fault id; } chain[] = {
        {"none", GFL_CHAIN_FAULT_NONE},       {"chain:decay", GFL_CHAIN_FAULT_DECAY},
        {"chain:regret", GFL_CHAIN_FAULT_REGRET}, {"chain:witness", GFL_CHAIN_FAULT_WITNESS},
        {"chain:drift", GFL_CHAIN_FAULT_DRIFT}};
    int n = 0;
    for (size_t i = 0; i < sizeof chain / sizeof chain[0] && n < max; i++, n++) {
        snprintf(f[n].name, CELL, "%s", chain[i].name);
        f[n].chain = chain[i].id;
        f[n].fast = GFL_FAULT_NONE;
    }
    for (int k = GFL_FAULT_NONE + 1; k < GFL_NFAULTS && n < max; k++, n++) {
        snprintf(f[n].name, CELL, "fast:%s", gfl_fast_fault_name(k));
        f[n].chain = GFL_CHAIN_FAULT_NONE;
        f[n].fast = k;
    }
    return n;
}

/* One table line "| a | b |" into cells, trimmed, with Markdown emphasis and
 * backquotes dropped; 0 when the line is not a table row. */
static int parse_row(const char *line, ft_row *r)
{
    const char *p = line;
    while (*p == ' ')
        p++;
    if (*p != '|')
        return 0;
    r->ncol = 0;
    p++;
    while (*p && *p != '\n') {
        const char *e = strchr(p, '|');
        if (!e)
            break;
        char buf[CELL];
        int len = 0;
        for (const char *q = p; q < e; q++)
            if (*q != '*' && *q != '`' && *q != ' ' && len < CELL - 1)
                buf[len++] = *q;
        buf[len] = '\0';
        if (r->ncol < MAX_COLS)
            snprintf(r->cell[r->ncol++], CELL, "%s", buf);
        p = e + 1;
    }
    return 1;
}

/* The table between the markers; 0 with a message when it is not there. */
static int table_read(ft_table *t)
{
    FILE *f = fopen(DOC, "r");
    CHECK(f != NULL, "cannot open %s (the tests run from the top directory)", DOC);
    if (!f)
        return 0;
    char line[2048];
    int in = 0, seen_begin = 0, seen_end = 0, nlines = 0;
    memset(t, 0, sizeof *t);
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, MARK_BEGIN)) {
            in = seen_begin = 1;
            continue;
        }
        if (strstr(line, MARK_END)) {
            seen_end = in;
            in = 0;
            continue;
        }
        if (!in)
            continue;
        ft_row r;
        if (!parse_row(line, &r))
            continue;
        nlines++;
        if (nlines == 1)
            t->head = r;
        else if (nlines > 2 && t->nrow < MAX_ROWS) /* line 2 is the |---| separator */
            t->row[t->nrow++] = r;
    }
    fclose(f);
    CHECK(seen_begin && seen_end, "%s: no table between %s and %s", DOC, MARK_BEGIN, MARK_END);
    CHECK(t->head.ncol > NFIXED && strcmp(t->head.cell[0], "fault") == 0 &&
              strcmp(t->head.cell[1], "case") == 0 && strcmp(t->head.cell[2], "T") == 0,
          "%s fault table: the header must be | fault | case | T | <one column per link> |", DOC);
    return seen_begin && seen_end && t->head.ncol > NFIXED;
}

static int column_of(const ft_table *t, const char *id)
{
    for (int c = NFIXED; c < t->head.ncol; c++)
        if (strcmp(t->head.cell[c], id) == 0)
            return c;
    return -1;
}

/* caught: the defect shows; FAIL and VIOLATED fail the check, UNCERTIFIED
 * withholds the certificate. */
static int caught(gfl_verdict v)
{
    return v == GFL_V_FAIL || v == GFL_V_VIOLATED || v == GFL_V_UNCERTIFIED;
}

static int cell_verdict(const char *cell, gfl_verdict *v)
{
    for (int k = GFL_V_PASS; k <= GFL_V_NA; k++)
        if (strcmp(cell, gfl_verdict_name((gfl_verdict)k)) == 0) {
            *v = (gfl_verdict)k;
            return 1;
        }
    return 0;
}

/* The instance of t_check.c: small preset, sigma_a = 4, seed 1 (the table
 * is about the checker, not about the draw). */
static gfl_status run_row(const ft_fault *f, gfl_case_id cid, int T, gfl_check_case *out)
{
    gfl_fast_fault = f->fast;
    gfl_status st = gfl_test_check_instance(cid, "fast", T, f->chain, out);
    fault_reset();
    return st;
}

static void test_fault_table(void)
{
    ft_table t;
    ft_fault faults[MAX_ROWS];
    int nf = faults_list(faults, MAX_ROWS), mismatch = 0;
    if (!table_read(&t))
        return;
    static char observed[MAX_ROWS][GFL_NLINKS][CELL], ids[GFL_NLINKS][16];
    static char inst[MAX_ROWS][2][CELL];
    int ran[MAX_ROWS] = {0}, missing[GFL_NLINKS] = {0};
    /* a row for a fault the code does not define any more */
    for (int r = 0; r < t.nrow; r++) {
        int known = 0;
        for (int i = 0; i < nf; i++)
            known |= strcmp(t.row[r].cell[0], faults[i].name) == 0;
        CHECK(known, "%s fault table: row '%s' names no fault of the code (known: none, chain:*, fast:*)", DOC,
              t.row[r].cell[0]);
    }
    for (int i = 0; i < nf; i++) {
        const ft_row *row = NULL;
        for (int r = 0; r < t.nrow; r++)
            if (strcmp(t.row[r].cell[0], faults[i].name) == 0)
                row = &t.row[r];
        /* a fault with no row still runs, on xor T = 20, for the printed table */
        const char *cname = row ? row->cell[1] : "xor";
        int T = row ? atoi(row->cell[2]) : 20;
        CHECK(row != NULL, "%s fault table: add a row for fault '%s' (| %s | case | T | one verdict per link |)",
              DOC, faults[i].name, faults[i].name);
        CHECK(!row || row->ncol == t.head.ncol, "%s fault table: row '%s' has %d cells, the header %d", DOC,
              faults[i].name, row ? row->ncol : 0, t.head.ncol);
        gfl_case_id cid;
        if (gfl_case_from_name(cname, &cid) != GFL_OK || T < 2) {
            CHECK(0, "%s fault table: row '%s': '%s', T = %d is not an instance", DOC, faults[i].name, cname, T);
            continue;
        }
        snprintf(inst[i][0], CELL, "%s", cname);
        snprintf(inst[i][1], CELL, "%d", T);
        gfl_check_case c;
        double t0 = gfl_clock_seconds();
        gfl_status st = run_row(&faults[i], cid, T, &c);
        CHECK(st == GFL_OK, "fault %s on %s T = %d: the check stopped: %s", faults[i].name, cname, T,
              gfl_error_message());
        if (st != GFL_OK)
            continue;
        ran[i] = 1;
        printf("\n    %-16s %-6s T=%-3d seed 1 %5.2f s:", faults[i].name, cname, T, gfl_clock_seconds() - t0);
        for (int k = 0; k < GFL_NLINKS; k++) {
            const gfl_link *l = &c.chain.link[k];
            gfl_verdict want;
            snprintf(ids[k], sizeof ids[k], "%s", l->id);
            snprintf(observed[i][k], CELL, "%s", gfl_verdict_name(l->verdict));
            printf(" %s %s", l->id, gfl_verdict_name(l->verdict));
            CHECK(l->id[0] != '\0', "link %d has no id", k);
            int col = column_of(&t, l->id);
            if (col < 0) {
                /* said once per link, not once per fault */
                CHECK(missing[k]++, "%s fault table: add a column for link '%s' (its verdict under each fault)", DOC,
                      l->id);
                mismatch = 1;
                continue;
            }
            if (!row || col >= row->ncol)
                continue;
            if (!cell_verdict(row->cell[col], &want)) {
                CHECK(0, "%s fault table: row '%s', link %s: '%s' is not a verdict name", DOC, faults[i].name,
                      l->id, row->cell[col]);
                mismatch = 1;
                continue;
            }
            int ok = caught(want) == caught(l->verdict);
            mismatch |= !ok || want != l->verdict;
            CHECK(ok, "fault %s on %s T = %d, link %s: the table says %s (%s), the check gives %s (%s)",
                  faults[i].name, cname, T, l->id, gfl_verdict_name(want), caught(want) ? "caught" : "not caught",
                  gfl_verdict_name(l->verdict), l->note);
        }
        for (int k = 0; k < GFL_NLINKS; k++) /* how each catch shows */
            if (caught(c.chain.link[k].verdict))
                printf("\n      %s: %s", c.chain.link[k].id, c.chain.link[k].note);
        gfl_check_clear(&c);
    }
    /* a column that is no link of the chain any more */
    for (int col = NFIXED; col < t.head.ncol; col++) {
        int known = 0;
        for (int k = 0; k < GFL_NLINKS; k++)
            known |= strcmp(t.head.cell[col], ids[k]) == 0;
        CHECK(known, "%s fault table: column '%s' is no link of the chain (remove it)", DOC, t.head.cell[col]);
        mismatch |= !known;
    }
    if (!mismatch)
        return;
    /* what the table should say, verdicts as observed (caught ones in bold) */
    printf("\n  observed fault table, for %s:\n| fault | case | T |", DOC);
    for (int k = 0; k < GFL_NLINKS; k++)
        printf(" %s |", ids[k]);
    printf("\n| --- | --- | --- |");
    for (int k = 0; k < GFL_NLINKS; k++)
        printf(" --- |");
    for (int i = 0; i < nf; i++) {
        if (!ran[i])
            continue;
        printf("\n| %s | %s | %s |", faults[i].name, inst[i][0], inst[i][1]);
        for (int k = 0; k < GFL_NLINKS; k++) {
            gfl_verdict v;
            int bold = cell_verdict(observed[i][k], &v) && caught(v);
            printf(" %s%s%s |", bold ? "**" : "", observed[i][k], bold ? "**" : "");
        }
    }
    printf("\n");
}

void t_faults_register(void)
{
    CU_pSuite s = CU_add_suite_with_setup_and_teardown("faults", NULL, NULL, fault_reset, fault_reset);
    CU_add_test(s, "every injected defect is caught where docs/proofs.md says", test_fault_table);
}
