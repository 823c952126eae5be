{
  "target_defaults": {
    "cflags": ["-O2", "-std=c11"],
    "conditions": [
      ["OS=='linux'", {
        "include_dirs": ["<!@(pkg-config --cflags-only-I openblas 2>/dev/null | sed 's/-I//g')"],
        "defines": ["HKD_OPENBLAS"]
      }],
      ["OS=='mac'", {
        "defines": ["HKD_ACCELERATE", "ACCELERATE_NEW_LAPACK"]
      }],
      ["OS=='win'", {
        "defines": ["HKD_OPENBLAS"]
      }]
    ]
  },
  "targets": [
    {
      "target_name": "hkd_infonce",
      "type": "static_library",
      "sources": ["hkd_infonce.c"],
      "cflags": ["-O3", "-ffast-math", "-fPIC"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-ffast-math"] }
    },
    {
      "target_name": "hkd_blas",
      "sources": ["hkd_blas.c"],
      "dependencies": ["hkd_infonce"],
      "conditions": [
        ["OS=='linux'", {
          "libraries": ["<!@(pkg-config --libs openblas 2>/dev/null || echo -lopenblas)", "-lm"]
        }],
        ["OS=='mac'", {
          "libraries": ["-framework Accelerate"]
        }],
        ["OS=='win'", {
          "libraries": ["openblas.lib"]
        }]
      ]
    }
  ]
}
