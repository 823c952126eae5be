{
  "targets": [
    {
      "target_name": "hkd_blas",
      "sources": ["hkd_blas.c"],
      "cflags": ["-O2", "-std=c11"],
      "conditions": [
        ["OS=='linux'", {
          "include_dirs": ["<!@(pkg-config --cflags-only-I openblas 2>/dev/null | sed 's/-I//g')"],
          "libraries": ["<!@(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)"],
          "defines": ["HKD_OPENBLAS"]
        }],
        ["OS=='mac'", {
          "libraries": ["-framework Accelerate"],
          "defines": ["HKD_ACCELERATE", "ACCELERATE_NEW_LAPACK"]
        }],
        ["OS=='win'", {
          "libraries": ["openblas.lib"],
          "defines": ["HKD_OPENBLAS"]
        }]
      ]
    }
  ]
}
