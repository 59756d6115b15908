"""One-off reference for TaskRenderingTests: SHA-256 of every example of each shared benchmark file, rendered
the way lm-evaluation-harness renders it, using Python's own str/re semantics (strip, capitalize, re.sub).

Run from the repo root with ../shared/data present:  python3 tests/Muscle.Tests/Tasks/Fixtures/render_hashes.py
Canonical form per example: id US (ctx RS continuation GS)* FS gold LF, UTF-8; US/RS/GS/FS = \\x1f \\x1e \\x1d \\x1c.
Generative: id US prompt GS target FS gold LF.
"""
import csv, hashlib, json, os, re, sys

D = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "..", "shared", "data")


def hs_pre(text):  # lm_eval/tasks/hellaswag/utils.py
    text = text.strip()
    text = text.replace(" [title]", ". ")
    text = re.sub("\\[.*?\\]", "", text)
    text = text.replace("  ", " ")
    return text


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def mc(idx, id_, requests, gold):
    return id_ + "\x1f" + "".join(c + "\x1e" + k + "\x1d" for c, k in requests) + "\x1c" + str(gold) + "\n"


def gen(id_, prompt, target, gold):
    return id_ + "\x1f" + prompt + "\x1d" + target + "\x1c" + gold + "\n"


def digest(lines):
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest(), len(lines)


def tasks():
    out = {}
    rows = jsonl(f"{D}/benchmarks/hellaswag/hellaswag_val_1000_rubrikscube.jsonl")
    out["hellaswag"] = digest([mc(i, str(r["ind"]),
        [(hs_pre(r["activity_label"] + ": " + r["ctx_a"] + " " + r["ctx_b"].capitalize()), " " + hs_pre(e)) for e in r["endings"]],
        int(r["label"])) for i, r in enumerate(rows)])
    rows = jsonl(f"{D}/benchmarks/piqa/valid.jsonl")
    labels = [int(l) for l in open(f"{D}/benchmarks/piqa/valid-labels.lst") if l.strip()]
    out["piqa"] = digest([mc(i, str(i), [(f"Question: {r['goal']}\nAnswer:", " " + s) for s in (r["sol1"], r["sol2"])], labels[i])
                          for i, r in enumerate(rows)])
    for name in ("test", "train"):
        rows = jsonl(f"{D}/benchmarks/gsm8k/{name}.jsonl")
        out[f"gsm8k/{name}"] = digest([gen(str(i), f"Question: {r['question']}\nAnswer:", r["answer"],
            re.search("#### (\\-?[0-9\\.\\,]+)", r["answer"]).group(1).strip().replace(",", "")) for i, r in enumerate(rows)])
    with open(f"{D}/sst2/glue_dev.tsv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    out["sst2"] = digest([mc(i, str(i), [(r["sentence"] + "\nQuestion: Is this sentence positive or negative?\nAnswer:", " " + c)
                                         for c in ("negative", "positive")], int(r["label"])) for i, r in enumerate(rows)])
    # llm-foundry files: our documented mapping onto lm-eval's templates (see LlmFoundryTasks.cs).
    rows = jsonl(f"{D}/benchmarks/llmfoundry/arc_easy.jsonl")
    out["arc_easy"] = digest([mc(i, str(i), [(r["query"] + "\nAnswer:", " " + c) for c in r["choices"]], r["gold"]) for i, r in enumerate(rows)])
    rows = jsonl(f"{D}/benchmarks/llmfoundry/boolq.jsonl")
    out["boolq"] = digest([mc(i, str(i), [(r["query"][len("Passage: "):] + "\nAnswer:", " " + c) for c in r["choices"]], r["gold"]) for i, r in enumerate(rows)])
    rows = jsonl(f"{D}/benchmarks/llmfoundry/copa.jsonl")
    out["copa"] = digest([mc(i, str(i), [(re.sub(", (because|therefore)$", " \\1", r["query"]), " " + c) for c in r["choices"]], r["gold"]) for i, r in enumerate(rows)])
    rows = jsonl(f"{D}/benchmarks/llmfoundry/winogrande.jsonl")
    out["winogrande"] = digest([mc(i, str(i), [(c, " " + r["continuation"].strip()) for c in r["context_options"]], r["gold"]) for i, r in enumerate(rows)])
    return out


if __name__ == "__main__":
    for k, (h, n) in tasks().items():
        print(f'["{k}"] = ("{h}", {n}),')
