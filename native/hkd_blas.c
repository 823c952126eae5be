// A thin Node-API binding to a BLAS's single-precision matrix product (OpenBLAS on Linux and
// Windows, Accelerate on macOS), and to the blocked InfoNCE built on it (hkd_infonce.c). It works
// in place on a WebAssembly memory: the wasm backend keeps its tensors there, so nothing is
// copied. Nothing here computes a product itself.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "hkd_infonce.h"

#ifdef HKD_ACCELERATE
#include <Accelerate/Accelerate.h>
static const char *core_name(void) { return "Accelerate"; }
static void set_threads(int n) { (void)n; }
static int get_threads(void) { return 0; }
#else
#include <cblas.h>
char *openblas_get_corename(void);
char *openblas_get_config(void);
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
static const char *core_name(void) { return openblas_get_corename(); }
static void set_threads(int n) { openblas_set_num_threads(n); }
static int get_threads(void) { return openblas_get_num_threads(); }
#endif

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, NULL, "hkd_blas: bad arguments");                                      \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

static bool get_int(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

// sgemm(memory, transA, transB, M, N, K, aOffset, bOffset, cOffset, batch, strideA, strideB,
//       strideC, threads): for each of `batch` slices, C = op(A)·op(B), row-major, dense;
// offsets and strides count floats. Offsets are checked against the memory's size.
static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14) {
    napi_throw_error(env, NULL, "hkd_blas.sgemm: expected 14 arguments");
    return NULL;
  }
  void *data;
  size_t bytes;
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &bytes));
  bool ta, tb;
  CHECK(napi_get_value_bool(env, argv[1], &ta));
  CHECK(napi_get_value_bool(env, argv[2], &tb));
  int64_t v[11];
  for (int i = 0; i < 11; i++) {
    if (!get_int(env, argv[3 + i], &v[i]) || v[i] < 0) {
      napi_throw_error(env, NULL, "hkd_blas.sgemm: sizes and offsets must be non-negative");
      return NULL;
    }
  }
  const int64_t M = v[0], N = v[1], K = v[2], oa = v[3], ob = v[4], oc = v[5], batch = v[6];
  const int64_t sa = v[7], sb = v[8], sc = v[9], threads = v[10];
  const int64_t floats = (int64_t)(bytes / sizeof(float));
  const int64_t last = batch > 0 ? batch - 1 : 0;
  if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX || oa + last * sa + M * K > floats ||
      ob + last * sb + K * N > floats || oc + last * sc + M * N > floats) {
    napi_throw_range_error(env, NULL, "hkd_blas.sgemm: operands outside the memory");
    return NULL;
  }
  float *base = (float *)data;
  if (threads > 0) set_threads((int)threads);
  for (int64_t i = 0; i < batch; i++) {
    float *A = base + oa + i * sa, *B = base + ob + i * sb, *C = base + oc + i * sc;
    if (K == 0) {
      memset(C, 0, (size_t)(M * N) * sizeof(float));
      continue;
    }
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)M, (int)N, (int)K, 1.0f, A, ta ? (int)M : (int)K, B, tb ? (int)K : (int)N,
                0.0f, C, (int)N);
  }
  return NULL;
}

// Reads `count` non-negative integers from argv[first ..] into out; throws and returns false if one
// is not.
static bool get_sizes(napi_env env, napi_value *argv, int first, int count, int64_t *out,
                      const char *name) {
  for (int i = 0; i < count; i++) {
    if (!get_int(env, argv[first + i], &out[i]) || out[i] < 0 || out[i] > INT32_MAX) {
      napi_throw_error(env, NULL, name);
      return false;
    }
  }
  return true;
}

// Checks that `floats` floats from `offset` lie inside a memory of `size` floats.
static bool inside(int64_t offset, int64_t floats, int64_t size) {
  return offset + floats <= size;
}

// infonceLse(memory, aOffset, zOffset, lseOffset, B, N, D, invTau, threads): lse (B) of the
// anchors A (B × D) against every row of Z (N × D).
static napi_value infonce_lse(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data;
  size_t bytes;
  double invTau;
  int64_t v[7];
  if (argc != 9 || napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      napi_get_value_double(env, argv[7], &invTau) != napi_ok) {
    napi_throw_error(env, NULL, "hkd_blas.infonceLse: bad arguments");
    return NULL;
  }
  if (!get_sizes(env, argv, 1, 6, v, "hkd_blas.infonceLse: sizes must be non-negative") ||
      !get_sizes(env, argv, 8, 1, v + 6, "hkd_blas.infonceLse: bad thread count"))
    return NULL;
  const int64_t oa = v[0], oz = v[1], ol = v[2], B = v[3], N = v[4], D = v[5];
  const int64_t size = (int64_t)(bytes / sizeof(float));
  if (!inside(oa, B * D, size) || !inside(oz, N * D, size) || !inside(ol, B, size)) {
    napi_throw_range_error(env, NULL, "hkd_blas.infonceLse: operands outside the memory");
    return NULL;
  }
  float *base = (float *)data;
  if (v[6] > 0) set_threads((int)v[6]);
  if (hkd_infonce_lse(base + oa, base + oz, base + ol, (int)B, (int)N, (int)D, (float)invTau)) {
    napi_throw_error(env, NULL, "hkd_blas.infonceLse: out of memory");
    return NULL;
  }
  return NULL;
}

// infonceGrad(memory, aOffset, zOffset, lseOffset, dAOffset, dZOffset, B, N, D, invTau, threads):
// dA = P·Z and dZ = Pᵀ·A with P the softmax rows of invTau · A·Zᵀ.
static napi_value infonce_grad(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data;
  size_t bytes;
  double invTau;
  int64_t v[9];
  if (argc != 11 || napi_get_arraybuffer_info(env, argv[0], &data, &bytes) != napi_ok ||
      napi_get_value_double(env, argv[9], &invTau) != napi_ok) {
    napi_throw_error(env, NULL, "hkd_blas.infonceGrad: bad arguments");
    return NULL;
  }
  if (!get_sizes(env, argv, 1, 8, v, "hkd_blas.infonceGrad: sizes must be non-negative") ||
      !get_sizes(env, argv, 10, 1, v + 8, "hkd_blas.infonceGrad: bad thread count"))
    return NULL;
  const int64_t oa = v[0], oz = v[1], ol = v[2], oda = v[3], odz = v[4], B = v[5], N = v[6],
                D = v[7];
  const int64_t size = (int64_t)(bytes / sizeof(float));
  if (!inside(oa, B * D, size) || !inside(oz, N * D, size) || !inside(ol, B, size) ||
      !inside(oda, B * D, size) || !inside(odz, N * D, size)) {
    napi_throw_range_error(env, NULL, "hkd_blas.infonceGrad: operands outside the memory");
    return NULL;
  }
  float *base = (float *)data;
  if (v[8] > 0) set_threads((int)v[8]);
  if (hkd_infonce_grad(base + oa, base + oz, base + ol, base + oda, base + odz, (int)B, (int)N,
                       (int)D, (float)invTau)) {
    napi_throw_error(env, NULL, "hkd_blas.infonceGrad: out of memory");
    return NULL;
  }
  return NULL;
}

// info(): { core, threads, config } of the BLAS that was loaded.
static napi_value blas_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, core, threads, config;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_string_utf8(env, core_name(), NAPI_AUTO_LENGTH, &core));
  CHECK(napi_create_int32(env, get_threads(), &threads));
#ifdef HKD_ACCELERATE
  CHECK(napi_create_string_utf8(env, "Accelerate", NAPI_AUTO_LENGTH, &config));
#else
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config));
#endif
  CHECK(napi_set_named_property(env, out, "core", core));
  CHECK(napi_set_named_property(env, out, "threads", threads));
  CHECK(napi_set_named_property(env, out, "config", config));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"infonceLse", NULL, infonce_lse, NULL, NULL, NULL, napi_default, NULL},
      {"infonceGrad", NULL, infonce_grad, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, blas_info, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, 4, props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
