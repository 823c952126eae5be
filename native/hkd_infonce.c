// SGL's InfoNCE over every user or item, in column blocks: the (anchors × all) logits never exist
// as a whole. Written as tfjs ops they are a 1,024 × 25,181 matrix on a CiteULike batch, written
// and read many times per step (260–350 ms of the loss and its gradient here, against 120–170 ms
// in blocks); in blocks each one is made by the BLAS, used while it sits in cache, and dropped.
// The products are the BLAS's; this file only keeps the running log-sum-exp and exponentiates the
// softmax rows. Built with -ffast-math
// (its own library in binding.gyp) so that glibc's vector expf (libmvec) is used.
#include "hkd_infonce.h"

#include <math.h>
#include <stdlib.h>

#ifdef HKD_ACCELERATE
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

// Columns per block: the block (rows × BLOCK floats) stays in the core's cache between the
// product that makes it and the pass that reads it (128, 256 and 512 were within noise here).
enum { BLOCK = 256 };

// On x86-64 Linux each function is also compiled for AVX2 (glibc picks the clone when the CPU has
// it), where the vector expf is 8 lanes wide instead of SSE's 4.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

// exp(x) for x ≤ 0 (a logit minus its row's maximum or log-sum-exp). Arguments below −87 are
// raised to it: their exp is under 2e-38 beside a row sum ≥ 1 either way, and the vector expf
// handles arguments outside its range one lane at a time (about 5× slower here on logits spread
// over ±100).
static inline float exp_nonpositive(float x) { return expf(x > -87.0f ? x : -87.0f); }

// S = invTau · A · Z[j0 .. j0 + nb)ᵀ, (B × nb), row-major.
static void logits(const float *A, const float *Z, int B, int D, int j0, int nb, float invTau,
                   float *S) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, nb, D, invTau, A, D, Z + (size_t)j0 * D,
              D, 0.0f, S, nb);
}

VECTOR_CLONES int hkd_infonce_lse(const float *A, const float *Z, float *lse, int B, int N, int D,
                    float invTau) {
  float *S = malloc((size_t)B * BLOCK * sizeof(float));
  float *m = malloc((size_t)B * sizeof(float));
  if (!S || !m) {
    free(S);
    free(m);
    return -1;
  }
  for (int i = 0; i < B; i++) {
    m[i] = -INFINITY;
    lse[i] = 0.0f; // the running Σ exp(s − m) until the end
  }
  for (int j0 = 0; j0 < N; j0 += BLOCK) {
    const int nb = N - j0 < BLOCK ? N - j0 : BLOCK;
    logits(A, Z, B, D, j0, nb, invTau, S);
    for (int i = 0; i < B; i++) {
      float *row = S + (size_t)i * nb;
      float top = row[0];
      for (int j = 1; j < nb; j++) top = row[j] > top ? row[j] : top;
      if (top > m[i]) {
        lse[i] *= expf(m[i] - top);
        m[i] = top;
      }
      const float mi = m[i];
      for (int j = 0; j < nb; j++) row[j] = exp_nonpositive(row[j] - mi);
      float sum = 0.0f;
      for (int j = 0; j < nb; j++) sum += row[j];
      lse[i] += sum;
    }
  }
  for (int i = 0; i < B; i++) lse[i] = m[i] + logf(lse[i]);
  free(S);
  free(m);
  return 0;
}

VECTOR_CLONES int hkd_infonce_grad(const float *A, const float *Z, const float *lse, float *dA, float *dZ, int B,
                     int N, int D, float invTau) {
  float *S = malloc((size_t)B * BLOCK * sizeof(float));
  if (!S) return -1;
  for (size_t k = 0; k < (size_t)B * D; k++) dA[k] = 0.0f;
  for (int j0 = 0; j0 < N; j0 += BLOCK) {
    const int nb = N - j0 < BLOCK ? N - j0 : BLOCK;
    logits(A, Z, B, D, j0, nb, invTau, S);
    for (int i = 0; i < B; i++) {
      float *row = S + (size_t)i * nb;
      const float li = lse[i];
      for (int j = 0; j < nb; j++) row[j] = exp_nonpositive(row[j] - li);
    }
    // dA += P · Z_block; dZ_block = Pᵀ · A.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, D, nb, 1.0f, S, nb,
                Z + (size_t)j0 * D, D, 1.0f, dA, D);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, nb, D, B, 1.0f, S, nb, A, D, 0.0f,
                dZ + (size_t)j0 * D, D);
  }
  free(S);
  return 0;
}
