# Sourced by bench/run.sh and bench/profile.sh: what every figure is recorded beside.
# machine_facts prints the date, CPU model, core count, load average, the CPU flags (avx2, avx512f, avx512_bf16,
# amx_bf16 decide the kernels: docs/PERFORMANCE.md) and the ISA caps in effect (ATEN_CPU_CAPABILITY,
# MKL_ENABLE_INSTRUCTIONS, ONEDNN_MAX_CPU_ISA, OPENBLAS_CORETYPE), if any.
machine_facts() {
    date -u
    echo "model name: $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "cores (nproc): $(nproc)"
    echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
    echo "ISA caps: ATEN_CPU_CAPABILITY=${ATEN_CPU_CAPABILITY:-} MKL_ENABLE_INSTRUCTIONS=${MKL_ENABLE_INSTRUCTIONS:-}" \
         "ONEDNN_MAX_CPU_ISA=${ONEDNN_MAX_CPU_ISA:-} OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}"
}

# isa_cap avx2: caps ATen's kernels (both sides), MKL and oneDNN (ours) and OpenBLAS (the reference) at AVX2, so an
# AVX-512 machine runs the kernels an AVX2-only machine would. Anything else: no cap.
isa_cap() {
    if [[ ${1:-} == avx2 ]]; then
        export ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2 OPENBLAS_CORETYPE=Haswell
    fi
}
