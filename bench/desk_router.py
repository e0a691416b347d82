"""The desk's learned router: training time on 100,000 cases, propose() latency, and accuracy on
the hand-written held-out set next to the plain baseline (TF-IDF + logistic regression).

    python bench/desk_router.py [--cases 100000] [--proposals 2000]

The 100,000 cases are made from the sample corpus (plaza/desk/data/sample-cases.csv),
deterministically (fixed seed): each one takes one to four clauses of cases of the same category,
shuffled, with typos (a character dropped or doubled), places swapped between 马鞍山 and 重庆
districts, numbers changed, and sometimes an “@马鞍山发布 #马上办#” in front — so the vocabulary
grows as it would with real history rather than repeating 834 texts. Accuracy is always measured
on tests/data/desk-cases-heldout.csv, which no generated case is made from.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plaza.desk.router import Example, Router, baseline_scores, load_cases, load_catalogue, top_k_accuracy

HELDOUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "desk-cases-heldout.csv"
PLACES = ["花山区", "雨山区", "含山县", "和县", "当涂县", "博望区", "渝中区", "江北区", "万州区", "沙坪坝区",
          "九龙坡区", "南岸区", "渝北区", "巴南区", "北碚区", "涪陵区"]
PREFIXES = ["", "", "", "", "@马鞍山发布 #马上办# ", "@重庆发布 ", "你好，", "请问", "紧急！", "反映一个问题："]
_PLACE = re.compile("|".join(PLACES))
_CLAUSE = re.compile(r"[，。！？；,!?;\s]+")


def generate(cases: list[Example], n: int, seed: int = 11) -> list[Example]:
    """n cases recombined and perturbed from ``cases`` (same category mix), deterministically."""
    rng = random.Random(seed)
    clauses: dict[str, list[str]] = defaultdict(list)
    departments: dict[str, list[str | None]] = defaultdict(list)
    for case in cases:
        clauses[case.category].extend(part for part in _CLAUSE.split(case.text) if part)
        departments[case.category].append(case.department)
    out = []
    for _ in range(n):
        base = rng.choice(cases)
        pool = clauses[base.category]
        parts = rng.sample(pool, min(len(pool), rng.randint(1, 4)))
        text = "，".join(_perturb(part, rng) for part in parts)
        text = rng.choice(PREFIXES) + _PLACE.sub(lambda _: rng.choice(PLACES), text)
        out.append(Example(text, base.category, rng.choice(departments[base.category])))
    return out


def _perturb(clause: str, rng: random.Random) -> str:
    clause = re.sub(r"\d+", lambda _: str(rng.randint(1, 99)), clause)
    if len(clause) > 4 and rng.random() < 0.3:  # a typo: one character dropped or doubled
        i = rng.randrange(len(clause))
        clause = clause[:i] + (clause[i] * 2 if rng.random() < 0.5 else "") + clause[i + 1:]
    return clause


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--proposals", type=int, default=2000)
    args = parser.parse_args()

    catalogue, sample, heldout = load_catalogue(), load_cases(), load_cases(str(HELDOUT))
    texts, truth = [e.text for e in heldout], [e.category for e in heldout]
    print(f"catalogue {len(catalogue)} leaves; sample corpus {len(sample)} cases; held-out {len(heldout)} cases")

    def accuracy(router: Router) -> str:
        scores = router.scores(texts)
        return (f"top-1 {top_k_accuracy(router.categories, scores, truth, 1):.3f}  "
                f"top-3 {top_k_accuracy(router.categories, scores, truth, 3):.3f}")

    started = time.perf_counter()
    router = Router.train(sample, catalogue)
    print(f"router   trained on the sample corpus in {time.perf_counter() - started:.2f} s: held-out {accuracy(router)}"
          f"  (temperature {router.temperature:.4f})")
    started = time.perf_counter()
    classes, probabilities = baseline_scores(sample, texts)
    print(f"baseline trained on the sample corpus in {time.perf_counter() - started:.2f} s: held-out "
          f"top-1 {top_k_accuracy(classes, probabilities, truth, 1):.3f}  "
          f"top-3 {top_k_accuracy(classes, probabilities, truth, 3):.3f}")
    empty = Router.train([], catalogue)
    print(f"router   with no history (catalogue + dispatch guide): held-out {accuracy(empty)}")
    bare = Router.train([], catalogue, guide={})
    print(f"router   with no history (catalogue names alone):      held-out {accuracy(bare)}")

    generated = generate(sample, args.cases)
    started, cpu = time.perf_counter(), time.process_time()
    big = Router.train(generated, catalogue)
    trained, cpu = time.perf_counter() - started, time.process_time() - cpu
    blob = big.dumps()
    print(f"router   trained on {len(generated):,} generated cases in {trained:.1f} s ({cpu:.1f} s CPU) "
          f"(dumps {len(blob) / 1e6:.1f} MB): held-out {accuracy(big)}")

    for name, model in (("sample-trained", router), (f"{len(generated):,}-trained", Router.loads(blob))):
        model.propose(texts[0])  # warm: jieba's dictionary
        timings = []
        cpu = time.process_time()
        for i in range(args.proposals):
            started = time.perf_counter()
            model.propose(texts[i % len(texts)])
            timings.append((time.perf_counter() - started) * 1000)
        cpu = (time.process_time() - cpu) / args.proposals * 1000
        timings.sort()
        print(f"propose  ({name}, warm, {args.proposals} calls): p50 {statistics.median(timings):.2f} ms  "
              f"p99 {timings[int(len(timings) * 0.99) - 1]:.2f} ms  (mean CPU {cpu:.2f} ms)")
    print(f"load average while measuring: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
