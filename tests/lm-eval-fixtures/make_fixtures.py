"""Writes the lm-eval --log_samples fixtures of muscle compare's tests, field by field.

The layout follows lm-evaluation-harness v0.4.3: evaluator.py `evaluate` builds each sample as
{doc_id, doc, target, arguments, resps, filtered_resps, filter, metrics, doc_hash, prompt_hash, target_hash}
plus one key per metric; doc_hash = sha256(json.dumps(doc, indent=2, ensure_ascii=False)), prompt_hash =
sha256(first request's context), target_hash = sha256(str(target)). EvaluationTracker.save_results_samples writes
<output_path>/<model>/samples_<task>_<timestamp>.jsonl (resps and filtered_resps through sanitize_list, which
stringifies numbers and booleans) next to results_<timestamp>.json. Later releases write `arguments` as
{"gen_args_0": {"arg_0": ..., "arg_1": ...}}; the new run uses that form so both are exercised.

compat/ is a third run on the same docs, the compatibility model of `muscle compare --compat` (arXiv 2407.09435,
Sec. 5.3): it keeps two of the new run's fixes and undoes some of its regressions, and adds one flip of its own.

Deterministic, standard library only. Run: /usr/bin/python3 make_fixtures.py (in this folder).
"""
import hashlib
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
BAD = os.path.join(HERE, "..", "bad-inputs")
TS_OLD = "2024-06-01T10-00-00.000000"
TS_NEW = "2024-09-15T08-30-00.000000"
TS_COMPAT = "2024-10-01T09-15-00.000000"


def sha(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def doc_hash(doc):
    return sha(json.dumps(doc, indent=2, ensure_ascii=False))


# --- arc_easy-like multiple choice: 6 docs, 4 choices, gold = index ---------------------------------------
ARC = [
    ("Which gas do plants take in?", ["oxygen", "carbon dioxide", "helium", "neon"], 1),
    ("What melts ice fastest?", ["salt", "sand", "paper", "wood"], 0),
    ("Which is a mammal?", ["shark", "trout", "whale", "eel"], 2),
    ("What pulls objects to Earth?", ["magnetism", "friction", "light", "gravity"], 3),
    ("Which planet is largest?", ["Mars", "Jupiter", "Venus", "Mercury"], 1),
    ("What do bees make?", ["silk", "wax", "honey", "milk"], 2),
]
# Predicted choice per doc: old right on 0-3; new right on 0, 1, 4; doc 5 wrong with the same answer in both.
ARC_PRED_OLD = [1, 0, 2, 3, 0, 1]
ARC_PRED_NEW = [1, 0, 0, 1, 1, 1]
# Compat: right on 0, 2, 3, 4 (fixes the new run's flips on 2 and 3, keeps its gain on 4), wrong on 1 (a flip the new
# run does not have) and on 5 with the same answer as old and new.
ARC_PRED_COMPAT = [1, 2, 2, 3, 1, 1]


def arc_doc(i):
    q, choices, gold = ARC[i]
    return {"id": f"Mercury_{7000 + i}", "question": q,
            "choices": {"text": choices, "label": ["A", "B", "C", "D"]}, "answerKey": "ABCD"[gold]}


def arc_line(i, pred, args_form, doc_override=None):
    q, choices, gold = ARC[i]
    doc = doc_override or arc_doc(i)
    ctx = f"Question: {q}\nAnswer:"
    # The predicted choice gets the highest log-likelihood, also per character (acc_norm agrees with acc here).
    lls = [-(8.0 + 1.5 * k) for k in range(4)]
    order = [pred] + [k for k in range(4) if k != pred]
    ll = {c: lls[r] for r, c in enumerate(order)}
    arguments = [[ctx, " " + c] for c in choices]
    if args_form == "dict":
        arguments = {f"gen_args_{k}": {"arg_0": a[0], "arg_1": a[1]} for k, a in enumerate(arguments)}
    norm_pred = max(range(4), key=lambda k: ll[k] / len(choices[k]))
    line = {
        "doc_id": i,
        "doc": doc,
        "target": gold,
        "arguments": arguments,
        "resps": [[[str(ll[k]), "False"]] for k in range(4)],
        "filtered_resps": [[str(ll[k]), "False"] for k in range(4)],
        "filter": "none",
        "metrics": ["acc", "acc_norm"],
        "doc_hash": doc_hash(doc),
        "prompt_hash": sha(ctx),
        "target_hash": sha(str(gold)),
        "acc": 1.0 if pred == gold else 0.0,
        "acc_norm": 1.0 if norm_pred == gold else 0.0,
    }
    return line


# --- gsm8k-like generation: 4 docs, filters strict-match and flexible-extract --------------------------------
GSM = [("Tom has 3 apples and buys 15 more. How many?", "18"),
       ("A box holds 6 eggs. How many eggs in 7 boxes?", "42"),
       ("Sam reads 12 pages a day for 5 days. Pages?", "60"),
       ("A class of 30 splits into teams of 5. Teams?", "6")]
# (strict-match output, flexible-extract output) per doc.
GSM_OLD = [("18", "18"), ("42", "42"), ("[invalid]", "60"), ("5", "5")]
GSM_NEW = [("18", "18"), ("[invalid]", "42"), ("60", "60"), ("6", "6")]
# Compat: strict-match right on 0-2 (no flip from old; the new run's flip on 1 is gone), flexible-extract right on 0-2.
GSM_COMPAT = [("18", "18"), ("42", "42"), ("60", "60"), ("5", "5")]


def gsm_line(i, outputs, filt, nested):
    q, a = GSM[i]
    doc = {"question": q, "answer": f"Work it out.\n#### {a}"}
    ctx = f"Question: {q}\nAnswer:"
    strict, flexible = outputs
    raw = f"The answer is {flexible}." if strict == "[invalid]" else f"#### {strict}"
    out = strict if filt == "strict-match" else flexible
    return {
        "doc_id": i,
        "doc": doc,
        "target": doc["answer"],
        "arguments": [[ctx, {"until": ["Question:", "</s>"], "do_sample": False}]],
        "resps": [[raw]],
        "filtered_resps": [[out]] if nested else [out],
        "filter": filt,
        "metrics": ["exact_match"],
        "doc_hash": doc_hash(doc),
        "prompt_hash": sha(ctx),
        "target_hash": sha(doc["answer"]),
        "exact_match": 1.0 if out == a else 0.0,
    }


def write_jsonl(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


def results(path, arc_acc, gsm):
    body = {
        "results": {
            "arc_easy": {"alias": "arc_easy", "acc,none": arc_acc, "acc_stderr,none": 0.2},
            "gsm8k": {"alias": "gsm8k", "exact_match,strict-match": gsm[0], "exact_match_stderr,strict-match": 0.25,
                      "exact_match,flexible-extract": gsm[1], "exact_match_stderr,flexible-extract": 0.25},
        },
        "group_subtasks": {"arc_easy": [], "gsm8k": []},
        "configs": {
            "arc_easy": {"task": "arc_easy", "dataset_path": "allenai/ai2_arc", "dataset_name": "ARC-Easy",
                         "output_type": "multiple_choice", "metric_list": [{"metric": "acc"}, {"metric": "acc_norm"}]},
            "gsm8k": {"task": "gsm8k", "dataset_path": "gsm8k", "dataset_name": "main", "output_type": "generate_until",
                      "metric_list": [{"metric": "exact_match"}],
                      "filter_list": [{"name": "strict-match"}, {"name": "flexible-extract"}]},
        },
        "versions": {"arc_easy": 1.0, "gsm8k": 3.0},
        "n-shot": {"arc_easy": 0, "gsm8k": 5},
        "n-samples": {"arc_easy": {"original": 6, "effective": 6}, "gsm8k": {"original": 4, "effective": 4}},
    }
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(body, f, indent=2)
        f.write("\n")


def gsm_file(outputs, nested):
    return [gsm_line(i, outputs[i], filt, nested) for filt in ("strict-match", "flexible-extract") for i in range(4)]


def main():
    for run in ("old", "new", "compat"):
        shutil.rmtree(os.path.join(HERE, run), ignore_errors=True)
    old_dir = os.path.join(HERE, "old", "model-v1")
    new_dir = os.path.join(HERE, "new", "model-v2")
    write_jsonl(os.path.join(old_dir, f"samples_arc_easy_{TS_OLD}.jsonl"),
                [arc_line(i, ARC_PRED_OLD[i], "list") for i in range(6)])
    write_jsonl(os.path.join(new_dir, f"samples_arc_easy_{TS_NEW}.jsonl"),
                [arc_line(i, ARC_PRED_NEW[i], "dict") for i in range(6)])
    write_jsonl(os.path.join(old_dir, f"samples_gsm8k_{TS_OLD}.jsonl"), gsm_file(GSM_OLD, nested=False))
    write_jsonl(os.path.join(new_dir, f"samples_gsm8k_{TS_NEW}.jsonl"), gsm_file(GSM_NEW, nested=True))
    results(os.path.join(old_dir, f"results_{TS_OLD}.json"), 4 / 6, (0.5, 0.75))
    results(os.path.join(new_dir, f"results_{TS_NEW}.json"), 3 / 6, (0.75, 1.0))
    compat_dir = os.path.join(HERE, "compat", "model-v2-compat")
    write_jsonl(os.path.join(compat_dir, f"samples_arc_easy_{TS_COMPAT}.jsonl"),
                [arc_line(i, ARC_PRED_COMPAT[i], "list") for i in range(6)])
    write_jsonl(os.path.join(compat_dir, f"samples_gsm8k_{TS_COMPAT}.jsonl"), gsm_file(GSM_COMPAT, nested=False))
    results(os.path.join(compat_dir, f"results_{TS_COMPAT}.json"), 4 / 6, (0.75, 0.75))

    # Bad inputs (tests/bad-inputs/<case>/): only the data files; args.txt and expected.txt are by hand.
    mixed = [arc_line(i, ARC_PRED_OLD[i], "list") for i in range(2)] + [gsm_line(i, GSM_OLD[i], "none", False) for i in range(2)]
    for line in mixed:
        line["filter"] = "none"
    write_jsonl(os.path.join(BAD, "compare-lmeval-mixed-tasks-without-task-key", "old.jsonl"), mixed)
    write_jsonl(os.path.join(BAD, "compare-lmeval-mixed-tasks-without-task-key", "new.jsonl"), mixed)

    changed = dict(arc_doc(1), question="What melts snow fastest?")
    write_jsonl(os.path.join(BAD, "compare-lmeval-doc-hash-differs", "old.jsonl"),
                [arc_line(i, ARC_PRED_OLD[i], "list") for i in range(3)])
    write_jsonl(os.path.join(BAD, "compare-lmeval-doc-hash-differs", "new.jsonl"),
                [arc_line(i, ARC_PRED_NEW[i], "list", changed if i == 1 else None) for i in range(3)])

    # --compat: a task missing from the compat run; a doc_hash that differs in it; the compat model as predictions JSONL.
    case = os.path.join(BAD, "compare-lmeval-compat-missing-task")
    shutil.rmtree(case + "/old", ignore_errors=True)
    shutil.rmtree(case + "/new", ignore_errors=True)
    shutil.rmtree(case + "/compat", ignore_errors=True)
    for run, ts, arc, gsm in (("old", TS_OLD, ARC_PRED_OLD, GSM_OLD), ("new", TS_NEW, ARC_PRED_NEW, GSM_NEW)):
        write_jsonl(os.path.join(case, run, f"samples_arc_easy_{ts}.jsonl"), [arc_line(i, arc[i], "list") for i in range(3)])
        write_jsonl(os.path.join(case, run, f"samples_gsm8k_{ts}.jsonl"),
                    [gsm_line(i, gsm[i], "strict-match", False) for i in range(2)])
    write_jsonl(os.path.join(case, "compat", f"samples_arc_easy_{TS_COMPAT}.jsonl"),
                [arc_line(i, ARC_PRED_COMPAT[i], "list") for i in range(3)])

    case = os.path.join(BAD, "compare-lmeval-compat-doc-hash-differs")
    write_jsonl(os.path.join(case, "old.jsonl"), [arc_line(i, ARC_PRED_OLD[i], "list") for i in range(3)])
    write_jsonl(os.path.join(case, "new.jsonl"), [arc_line(i, ARC_PRED_NEW[i], "list") for i in range(3)])
    write_jsonl(os.path.join(case, "compat.jsonl"),
                [arc_line(i, ARC_PRED_COMPAT[i], "list", changed if i == 1 else None) for i in range(3)])

    case = os.path.join(BAD, "compare-lmeval-compat-is-predictions")
    write_jsonl(os.path.join(case, "old.jsonl"), [arc_line(i, ARC_PRED_OLD[i], "list") for i in range(3)])
    write_jsonl(os.path.join(case, "new.jsonl"), [arc_line(i, ARC_PRED_NEW[i], "list") for i in range(3)])
    write_jsonl(os.path.join(case, "compat.jsonl"),
                [{"id": str(i), "gold": ARC[i][2], "prediction": ARC_PRED_COMPAT[i]} for i in range(3)])

    for case in ("compare-lmeval-unknown-metric", "compare-lmeval-missing-filter"):
        write_jsonl(os.path.join(BAD, case, "old.jsonl"), [arc_line(i, ARC_PRED_OLD[i], "list") for i in range(3)])
        write_jsonl(os.path.join(BAD, case, "new.jsonl"), [arc_line(i, ARC_PRED_NEW[i], "list") for i in range(3)])


if __name__ == "__main__":
    main()
