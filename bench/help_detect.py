"""Help detection measured (issue 12: precision and recall both ≥ 0.9 on unseen posts): the
detector trained on ``plaza/help/data/help-posts.csv`` and judged on ``help-posts-heldout.csv``,
which it never saw — written apart, about other events, places and styles. Beside it, a keyword
baseline (a post is a request when it says 求助/求救/救命/被困/寻人). Then what it extracts from the
held-out requests (need, place, county, people, contact) and its cost per post.

    python bench/help_detect.py
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plaza.help.detect import Detector, Example, load_examples
from plaza.regions.address import parse_address

KEYWORDS = re.compile(r"求助|求救|救命|被困|寻人")


def rates(predicted: list[bool], truth: list[bool]) -> tuple[float, float, float]:
    tp = sum(p and t for p, t in zip(predicted, truth, strict=True))
    fp = sum(p and not t for p, t in zip(predicted, truth, strict=True))
    fn = sum(t and not p for p, t in zip(predicted, truth, strict=True))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main() -> None:
    train, heldout = load_examples("help-posts.csv"), load_examples("help-posts-heldout.csv")
    began = time.perf_counter()
    detector = Detector(train)
    trained = time.perf_counter() - began
    found = [detector.detect(e.text) for e in heldout]
    truth = [e.is_request for e in heldout]
    p, r, f = rates([d.is_request for d in found], truth)
    bp, br, bf = rates([bool(KEYWORDS.search(e.text)) for e in heldout], truth)
    print(f"trained on {len(train)} posts in {trained:.2f} s; judged on {len(heldout)} held-out posts "
          f"({sum(truth)} requests)")
    print(f"detector: precision {p:.3f}, recall {r:.3f}, F1 {f:.3f}")
    print(f"keyword baseline: precision {bp:.3f}, recall {br:.3f}, F1 {bf:.3f}")
    both: list[tuple[Example, object]] = [(e, d) for e, d in zip(heldout, found, strict=True)
                                          if e.is_request and d.is_request]
    n = len(both)

    def share(hits: int, of: int) -> str:
        return f"{hits}/{of} = {hits / of:.3f}" if of else "—"

    print(f"\non the {n} held-out requests it found:")
    print("  need right:", share(sum(d.need == e.need for e, d in both), n))  # type: ignore[attr-defined]
    with_place = [(e, d) for e, d in both if e.place]
    print("  place found where the post names one:", share(sum(d.place is not None for e, d in with_place),  # type: ignore[attr-defined]
                                                        len(with_place)))
    print("  place text exactly as labelled:", share(sum(d.place is not None and d.place.text == e.place  # type: ignore[attr-defined]
                                                         for e, d in with_place), len(with_place)))
    resolvable = [(e, d, parse_address(e.place)) for e, d in with_place]
    resolvable = [(e, d, m) for e, d, m in resolvable if m is not None and m.county_code]
    print("  county right, where the labelled place names one:",
          share(sum(d.place is not None and d.place.county == m.county_code for e, d, m in resolvable),  # type: ignore[attr-defined]
                len(resolvable)))
    with_people = [(e, d) for e, d in both if e.people is not None]
    print("  people right where the post says how many:",
          share(sum(d.people == e.people for e, d in with_people), len(with_people)))  # type: ignore[attr-defined]
    print("  contact right:", share(sum(d.has_contact == e.has_contact for e, d in both), n))  # type: ignore[attr-defined]
    missed = [e.text for e, d in zip(heldout, found, strict=True) if e.is_request and not d.is_request]
    wrong = [e.text for e, d in zip(heldout, found, strict=True) if d.is_request and not e.is_request]
    print(f"\nmissed requests ({len(missed)}):")
    for text in missed[:12]:
        print("  -", text[:90])
    print(f"taken for requests ({len(wrong)}):")
    for text in wrong[:12]:
        print("  -", text[:90])
    took = []
    for e in heldout * 3:
        began = time.perf_counter()
        detector.detect(e.text)
        took.append(time.perf_counter() - began)
    took.sort()
    print(f"\ncost per post: p50 {statistics.median(took) * 1000:.2f} ms, p99 {took[int(0.99 * len(took))] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
