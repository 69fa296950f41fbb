#include "gfl_rng.h"

#include <math.h>

#define GFL_GAMMA UINT64_C(0x9e3779b97f4a7c15)

uint64_t gfl_rng_mix64(uint64_t z)
{
    /* SplitMix64 finalizer (Steele, Lea, Flood 2014): a bijection on 64 bits. */
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

void gfl_rng_init(gfl_rng *r, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b)
{
    uint64_t k = gfl_rng_mix64(seed + GFL_GAMMA);
    k = gfl_rng_mix64(k ^ (purpose * UINT64_C(0xd1b54a32d192ed03)));
    k = gfl_rng_mix64(k ^ (a * UINT64_C(0x8cb92ba72f3d8dd7)));
    k = gfl_rng_mix64(k ^ (b * UINT64_C(0xaef17502108ef2d9)));
    r->key = k;
    r->ctr = 0;
    r->has_spare = 0;
    r->spare = 0.0;
}

uint64_t gfl_rng_u64(gfl_rng *r)
{
    r->ctr++;
    return gfl_rng_mix64(r->key + r->ctr * GFL_GAMMA);
}

double gfl_rng_uniform(gfl_rng *r)
{
    return (double)(gfl_rng_u64(r) >> 11) * 0x1.0p-53;
}

double gfl_rng_uniform_pos(gfl_rng *r)
{
    return (double)((gfl_rng_u64(r) >> 11) + 1) * 0x1.0p-53;
}

double gfl_rng_normal(gfl_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = gfl_rng_uniform_pos(r); /* (0,1]: log is finite */
    double u2 = gfl_rng_uniform(r);
    double rad = sqrt(-2.0 * log(u1));
    double th = 6.283185307179586476925286766559 * u2;
    r->spare = rad * sin(th);
    r->has_spare = 1;
    return rad * cos(th);
}

double gfl_rng_sign(gfl_rng *r)
{
    return (gfl_rng_u64(r) >> 63) ? 1.0 : -1.0;
}

uint64_t gfl_rng_below(gfl_rng *r, uint64_t n)
{
    /* Rejection on the top of the range keeps the draw exactly uniform. */
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do {
        v = gfl_rng_u64(r);
    } while (v >= lim);
    return v % n;
}
