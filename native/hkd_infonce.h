// InfoNCE's log-sum-exp rows and their gradient, blocked (hkd_infonce.c). Row-major float32:
// A is B × D (anchors), Z is N × D (every candidate), lse is B.
#ifndef HKD_INFONCE_H
#define HKD_INFONCE_H

// lse[i] = log Σ_v exp(invTau · A_i · Z_v). Returns -1 when scratch memory cannot be had.
int hkd_infonce_lse(const float *A, const float *Z, float *lse, int B, int N, int D,
                    float invTau);

// With P_iv = exp(invTau · A_i · Z_v − lse[i]): dA = P · Z, dZ = Pᵀ · A. Returns -1 when scratch
// memory cannot be had.
int hkd_infonce_grad(const float *A, const float *Z, const float *lse, float *dA, float *dZ, int B,
                     int N, int D, float invTau);

#endif
