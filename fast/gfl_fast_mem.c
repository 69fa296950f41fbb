/* The address space OpenBLAS maps on its own, for gfl_limits.
 *
 * OpenBLAS (0.3.21, the version this project builds against) maps one buffer
 * of BUFFER_SIZE = 32 << 22 bytes (128 MiB; measured with strace: exactly
 * this size, anonymous) per thread: each worker's as it starts, in the
 * library's constructor before main, the calling thread's at its first BLAS
 * call.  A failed mmap of that buffer is retried forever (fixed upstream
 * later), so the buffers must be counted before the work starts. */
#include "gfl_fast.h"

#include <cblas.h>

int gfl_fast_blas_buffers(int calls_blas, unsigned long *bytes)
{
    int threads = openblas_get_num_threads();
    *bytes = 32UL << 22;
    return (threads > 1 ? threads - 1 : 0) + (calls_blas ? 1 : 0);
}
