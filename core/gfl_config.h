/* gfl_config: the problem description shared by both paths (SPEC 1-3, 7).
 *
 * Every option has one entry in a table (gfl_config_options) that gives its
 * long name, type, the cases it applies to and its help text; the command line,
 * the JSON report and the tests all go through that table, so a new option is
 * declared once.
 */
#ifndef GFL_CONFIG_H
#define GFL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "gfl_status.h"

typedef enum {
    GFL_CASE_MOG = 0,
    GFL_CASE_XOR,
    GFL_CASE_PARITY,
    GFL_CASE_PARITY_UNIFORM,
    GFL_CASE_LINEAR,
    GFL_CASE_MULTIINDEX,
    GFL_CASE_SLABS,
    GFL_NCASES,                  /* the case studies (--all runs these) */
    GFL_CASE_DATA = GFL_NCASES,  /* a table of data, not a case study (SPEC 11) */
    GFL_NCASES_ALL
} gfl_case_id;

/* Data options (SPEC 11): text, kept in the configuration so that it is copied
 * with it and reported with it. */
#define GFL_STR_MAX 512
typedef enum { GFL_HEADER_NAMES = 0, GFL_HEADER_NONE, GFL_HEADER_SKIP } gfl_header_mode;
typedef enum { GFL_PART_TEST = 0, GFL_PART_VALIDATION } gfl_eval_part;

typedef enum { GFL_LOSS_HINGE = 0, GFL_LOSS_LOGISTIC } gfl_loss;
typedef enum { GFL_BIAS_CONST = 0, GFL_BIAS_SIGN, GFL_BIAS_GAUSS } gfl_bias_mode;
typedef enum { GFL_PRESET_DEFAULT = 0, GFL_PRESET_SMALL } gfl_preset;

typedef struct {
    gfl_case_id case_id;
    gfl_preset preset;
    uint64_t seed;
    long prec;          /* ref path precision in bits */
    int threads;        /* ref path worker threads (results do not depend on it) */
    int d, m, n, T;
    int n_test;         /* size of the held-out test set */
    int eval_every;
    double eta1, lam1;  /* lam1 is NaN when it takes its default 1/eta1 */
    double eta, lam;
    double sigma_a, sigma_w, sigma_b, btilde;
    gfl_bias_mode bias_mode;
    gfl_loss loss;
    int fixed_batch;    /* 1: one fixed training set (SPEC 3, fresh off) */
    int freeze_w;       /* W not updated for t >= 2 */
    int random_features;/* W never updated */
    /* case parameters (SPEC 7) */
    int r;              /* mog: number of components */
    double mu;          /* mog/xor: mean norm */
    double noise;       /* mog/xor: component standard deviation */
    int k;              /* parity: |A| (odd) */
    int subset;         /* parity: 0 = first k coordinates, 1 = seeded subset */
    double margin;      /* linear: rejection margin */
    int rotate;         /* multiindex: 0 = (e1, e2), 1 = seeded rotation; slabs: seeded rotation (default on) */
    double p_struct;    /* parity: weight of the structured component (SPEC 8; 1/2 by default) */
    /* data (SPEC 11, docs/data.md) */
    char data[GFL_STR_MAX];     /* CSV file (.gz accepted) or X.npy */
    char labels[GFL_STR_MAX];   /* Y.npy with --data X.npy */
    char label[GFL_STR_MAX];    /* label column: name, or 1-based index; "" = the last */
    char positive[GFL_STR_MAX]; /* label value mapped to +1 */
    char classes[GFL_STR_MAX];  /* comma list of label values to keep ("" = all) */
    int header;                 /* gfl_header_mode */
    int no_standardize;
    int drop_constant;          /* drop constant columns instead of refusing the file */
    double test_frac, feature_frac, val_frac;
    int eval_part;              /* gfl_eval_part: the part that plays the held-out test set */
    int clusters;               /* candidate directions (clusters of first-step neurons) */
} gfl_config;

typedef enum {
    GFL_OPT_INT, GFL_OPT_LONG, GFL_OPT_U64, GFL_OPT_DOUBLE, GFL_OPT_FLAG, GFL_OPT_ENUM, GFL_OPT_STRING
} gfl_opt_type;

#define GFL_ALL_CASES ((1u << GFL_NCASES_ALL) - 1u)
#define GFL_STUDY_CASES ((1u << GFL_NCASES) - 1u) /* the case studies, without data */
#define GFL_THREADS_MAX 256
#define GFL_CASE_BIT(c) (1u << (c))

typedef struct {
    const char *name;       /* long option name, e.g. "sigma-a" */
    gfl_opt_type type;
    size_t offset;          /* into gfl_config */
    unsigned cases;         /* bit mask of the cases it applies to */
    const char *const *enum_names; /* GFL_OPT_ENUM: NULL-terminated */
    const char *help;
} gfl_option;

extern const gfl_option gfl_config_options[];
extern const size_t gfl_config_noptions;

const char *gfl_case_name(gfl_case_id c);
gfl_status gfl_case_from_name(const char *name, gfl_case_id *c);
const char *gfl_loss_name(gfl_loss l);
const char *gfl_bias_mode_name(gfl_bias_mode b);

/* Fills every field with the defaults of `c` at the given preset. */
void gfl_config_defaults(gfl_config *cfg, gfl_case_id c, gfl_preset p);
/* Sets option `name` (long name without dashes) from its text value; strict parsing. */
gfl_status gfl_config_set(gfl_config *cfg, const char *name, const char *value);
const gfl_option *gfl_config_find(const char *name);
/* Renders the value of an option as text (for help and reports). */
void gfl_config_format(const gfl_config *cfg, const gfl_option *o, char *buf, size_t len);
/* Checks ranges and sizes; one-line error on failure. */
gfl_status gfl_config_validate(const gfl_config *cfg);
/* The options of case data that need no file (fractions, --data given). */
gfl_status gfl_config_validate_data(const gfl_config *cfg);
/* lam1 with its default resolved in double (the ref path resolves it itself). */
double gfl_config_lam1(const gfl_config *cfg);
int gfl_config_lam1_is_default(const gfl_config *cfg);

/* The shortest of %.15g, %.16g and %.17g that reads back as v ("0.1", not
 * "0.10000000000000001"): numbers meant for a person, exact all the same.
 * NaN prints "-" (a missing value), infinities "inf" / "-inf". */
void gfl_format_double(char *buf, size_t len, double v);

/* Strict number parsing shared by every reader of user text. */
gfl_status gfl_parse_double(const char *s, double *out);
gfl_status gfl_parse_long(const char *s, long *out);
gfl_status gfl_parse_u64(const char *s, uint64_t *out);

#endif
