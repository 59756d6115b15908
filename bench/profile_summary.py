"""Sorts bench/profile.sh's perf samples (CPU time per symbol) into the parts of a training step, ours beside PyTorch.

Usage: profile_summary.py RUN_DIR   (reads ours/ref .report.txt and .jsonl; prints a Markdown table)
The categories are decided by the symbol (and library) each sample landed in; the first matching rule wins. PyTorch
1.13 from Debian ships libtorch_cpu without symbols, so its ATen kernels other than BLAS are one row there.
"""
import json
import re
import sys
from pathlib import Path

RULES = [  # (category, regex on "dso symbol")
    ("GEMM (BLAS)", r"sgemm|dgemm|gemm_|mkl_blas|libopenblas|brgemm|jit_avx.*gemm|_Z.*gemm"),
    # log-softmax first: its backward is ATen's _vec_host_softmax_backward_lastdim<float, true> (LogSoftMax = true)
    ("loss (log_softmax, NLL)", r"log_softmax|nll_loss|cross_entropy|softmax_backward_lastdim<float, true>"),
    ("attention (SDPA / softmax)", r"flash_attention|softmax|baddbmm|bmm"),
    ("RNG", r"CPUGeneratorImpl|normal_kernel|uniform_kernel|mt19937|random"),
    ("copies and casts", r"copy_kernel|direct_copy|memmove|memcpy|copy_mc|_to_copy|contiguous|cat_serial|index_select|gather|scatter"),
    ("element-wise (add, mul, SiLU, exp, pow, ...)", r"VectorizedLoop|cpu_kernel|Sleef|silu|mul_kernel|add_kernel|div_|pow_|rsqrt|exp|fill_kernel|where|masked|addcmul|addcdiv|lerp|sqrt"),
    ("reductions (sum, mean, norm)", r"reduce|cascade_sum|sum_kernel|mean_kernel|norm_kernel|binary_kernel_reduce"),
    ("memory (page faults, zeroing, malloc/free)", r"clear_page|page_fault|mm_fault|anonymous_page|alloc_pages|alloc_frozen|folio|_int_malloc|_int_free|malloc|free|memset|munmap|mmap|unmap|pte|lruvec|memcg|mem_cgroup|get_page_from_freelist|zap_|tlb|vma|rmqueue|charge|page_"),
    ("threads (OpenMP, scheduler, futex)", r"libgomp|libiomp|__kmp|gomp_|sched|futex|finish_task_switch|spin_|_raw_spin|pthreadpool|switch_to|thread_main|invoke_parallel|yield|rcu|softirq|syscall"),
    ("runtime (.NET / Python, dispatch)", r"libcoreclr|libclrjit|\.dll|System\.|Muscle|TorchSharp|LibTorchSharp|libpython|python3|\[JIT\]|perf-\d+\.map|Dispatcher|OperatorEntry|c10::impl|at::_ops|autograd|TensorImpl|intrusive_ptr"),
]
COMPILED = [(c, re.compile(r, re.I)) for c, r in RULES]
LINE = re.compile(r"^\s*(\d+)\s+(\S+)\s+\[(.)\]\s+(.*)$")


def load(run, name):
    ns, other = {}, {}
    for line in (run / f"{name}.report.txt").read_text(errors="replace").splitlines():
        m = LINE.match(line)
        if not m or line.startswith("#"):
            continue
        period, dso, _, sym = int(m[1]), m[2], m[3], m[4]
        text = f"{dso} {sym}"
        cat = next((c for c, r in COMPILED if r.search(text)), None)
        if cat is None:
            cat = "other libtorch (no symbols)" if "libtorch_cpu.so.1" in dso else "other"
            other[text[:90]] = other.get(text[:90], 0) + period
        ns[cat] = ns.get(cat, 0) + period
    row = json.loads((run / f"{name}.jsonl").read_text().splitlines()[-1])
    return ns, other, row


def main():
    run = Path(sys.argv[1])
    ours, ours_other, ours_row = load(run, "ours")
    ref, ref_other, ref_row = load(run, "ref")
    steps = ours_row["iters"]
    cats = [c for c, _ in RULES] + ["other libtorch (no symbols)", "other"]
    print(f"### fp32 LoRA step, {ours_row['model']}: CPU ms per step by part (perf samples, all threads)\n")
    print(f"ours {ours_row['tokens_per_s']:,.0f} tok/s (median step {ours_row['step_ms']:,.0f} ms, CPU {ours_row['cpu_ms']:,.0f} ms);"
          f" PyTorch 1.13 {ref_row['tokens_per_s']:,.0f} tok/s (median step {ref_row['step_ms']:,.0f} ms, CPU {ref_row['cpu_ms']:,.0f} ms);"
          f" ratio {ours_row['tokens_per_s'] / ref_row['tokens_per_s']:.2f}x. {steps} timed steps each.\n")
    print("| part | ours CPU ms/step | ours share | PyTorch CPU ms/step | PyTorch share |")
    print("|---|---:|---:|---:|---:|")
    to, tr = sum(ours.values()), sum(ref.values())
    for c in cats:
        o, r = ours.get(c, 0), ref.get(c, 0)
        if o == 0 and r == 0:
            continue
        print(f"| {c} | {o / 1e6 / steps:,.1f} | {100 * o / to:.1f} % | {r / 1e6 / ref_row['iters']:,.1f} | {100 * r / tr:.1f} % |")
    print(f"| **total** | **{to / 1e6 / steps:,.1f}** | 100 % | **{tr / 1e6 / ref_row['iters']:,.1f}** | 100 % |")
    for name, other, total in (("ours", ours_other, to), ("PyTorch", ref_other, tr)):
        top = sorted(other.items(), key=lambda kv: -kv[1])[:5]
        if top:
            print(f"\nLargest unclassified symbols, {name}: " + "; ".join(f"{k.strip()} {100 * v / total:.1f} %" for k, v in top))


if __name__ == "__main__":
    main()
