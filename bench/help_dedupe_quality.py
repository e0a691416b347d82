"""Duplicate finding measured (issue 12: dedupe on a labelled set in the repository): the reports of
``plaza/help/data/help-duplicates.csv`` — 82 people or families in need, each reported one to
seven times (the post, 扩散 copies, a relative's rewording with the same phone or another of the
family's, a volunteer's summary without a phone, a bare address), among hard negatives (other
families of the same compound or village in the same template, the same template for another
place, a later request from the same street) — fed one by one into a fresh SQLite database through
Plaza's own intake: ``requests.check``, ``requests.assess`` (place, signature, the open request it
most resembles: ``similar_to``), then the product's decision for a screened post
(``plaza.actions.help.joins``): it joins that request by itself on the same phone, or when its
words alone are at least ``SAME_REQUEST_SIMILARITY`` alike, it carries no phone the request was not
reported with and names no other building or door; otherwise it is filed (``requests.file``), ``similar_to`` shown to the
verifiers. Measured per report whose case already has a request (a duplicate):

* **suggestion** — the request shown to the verifier as ``similar_to`` holds the same case:
  precision (of all reports given a suggestion) and recall (of the duplicates);
* **auto-join** — precision (joins into a request of the same case) and recall (duplicates joined);

then, per kind of report, what was found; the requests left against the true number of cases
(cases split over several requests, requests holding several cases); every wrong auto-join and
every missed duplicate (no suggestion, or the wrong one). Run in the file's order (its reports in
the order they were posted) and in one shuffled order.

    python bench/help_dedupe_quality.py [--shuffle-seed 7] [--no-lists]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plaza.actions import help as help_actions
from plaza.config import load_settings
from plaza.help import detect, requests
from plaza.help.requests import NewRequest
from plaza.instance import Plaza
from plaza.storage.migrate import upgrade

DATA = Path(__file__).resolve().parent.parent / "plaza" / "help" / "data" / "help-duplicates.csv"
KINDS = ("original", "repost", "relative", "second-phone", "volunteer", "address-only", "neighbour", "template",
         "later")


@dataclass(frozen=True)
class Report:
    line: int
    group: str
    text: str
    phone: str
    place: str
    lat: float | None
    lon: float | None
    kind: str


def load(path: Path = DATA) -> list[Report]:
    with path.open(encoding="utf-8", newline="") as f:
        return [Report(i, r["group"], r["text"], r["phone"], r["place"],
                       float(r["lat"]) if r["lat"] else None, float(r["lon"]) if r["lon"] else None,
                       r["note"].split(";")[0].strip())
                for i, r in enumerate(csv.DictReader(f), start=2)]


@dataclass
class Outcome:
    """One report's fate: the request suggested, joined or filed, and what the truth says."""

    report: Report
    duplicate: bool  # its case already had a request
    suggested: int | None
    score: float | None
    why: str
    suggested_right: bool
    joined: int | None
    filed: int | None
    county: str | None
    suggested_cases: tuple[str, ...] = ()


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    holds: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))  # request → cases it holds
    seconds: float = 0.0


def feed(reports: list[Report]) -> Run:
    """Every report through intake into a fresh database, as a screened post would go."""
    run = Run()
    of_case: dict[str, set[int]] = defaultdict(set)  # case → requests holding one of its reports
    with tempfile.TemporaryDirectory(prefix="plaza-dedupe-") as tmp:
        settings = load_settings(env={}, data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/plaza.db",
                                 secret_key="x", rate_limits=False)
        plaza = Plaza.from_settings(settings)
        upgrade(plaza.db.engine)
        key = settings.secret_key.encode()
        at = datetime(2026, 7, 20, 8, 0, tzinfo=UTC)
        began = time.perf_counter()
        for report in reports:
            at += timedelta(minutes=3)
            new = requests.check(NewRequest(
                text=report.text, need=detect.detect(report.text).need or "other", source="post",
                place_text=report.place, contact_phone=report.phone, lat=report.lat, lon=report.lon, detected=True))
            with plaza.db.write() as conn:
                intake = requests.assess(conn, new, key)
                found = requests.duplicates(conn, phone_hash=intake.phone_hash, county=intake.where.county,
                                            city=intake.where.city, signature=intake.signature,
                                            place_text=intake.where.text, lat=new.lat, lon=new.lon, limit=1)
                why = found[0].why if found else ""
                joined = filed = None
                # the product's own rule for a screened post (plaza.actions.help.joins)
                if intake.similar_to is not None and help_actions.joins(conn, intake, report.text):
                    target = requests.surviving(conn, requests.load(conn, intake.similar_to))
                    if target.state in requests.OPEN:
                        requests.add_source(conn, target.id, "post", contact_phone=new.contact_phone,
                                            phone_hash=intake.phone_hash, at=at)
                        joined = int(target.id)
                if joined is None:
                    filed = int(requests.file(conn, new, intake, at=at).row.id)
            earlier = set(of_case[report.group])
            suggested = intake.similar_to
            run.outcomes.append(Outcome(
                report, bool(earlier), suggested, intake.similar_score, why, suggested in earlier, joined, filed,
                intake.where.county, tuple(sorted(run.holds[suggested])) if suggested is not None else ()))
            request_id = joined if joined is not None else filed
            assert request_id is not None
            run.holds[request_id].add(report.group)
            of_case[report.group].add(request_id)
        run.seconds = time.perf_counter() - began
        plaza.close()
    return run


def share(hits: int, of: int) -> str:
    return f"{hits}/{of} = {hits / of:.3f}" if of else f"{hits}/0"


def show(run: Run, title: str, *, lists: bool) -> None:
    outs = run.outcomes
    cases = {o.report.group for o in outs}
    dupes = [o for o in outs if o.duplicate]
    suggested = [o for o in outs if o.suggested is not None]
    right = [o for o in suggested if o.suggested_right]
    joins = [o for o in outs if o.joined is not None]
    right_joins = [o for o in joins if o.suggested_right]
    print(f"\n== {title}: {len(outs)} reports of {len(cases)} cases, {len(dupes)} of them duplicates "
          f"(their case already had a request); {run.seconds:.1f} s")
    unresolved = sum(o.county is None for o in outs)
    counties: dict[str, set[str | None]] = defaultdict(set)
    for o in outs:
        counties[o.report.group].add(o.county)
    print(f"place: {len(outs) - unresolved} reports resolved to a county, {unresolved} not; "
          f"{sum(len(c) > 1 for c in counties.values())} cases' reports fall in more than one county bucket")
    print(f"suggestion (similar_to holds the same case): precision {share(len(right), len(suggested))}, "
          f"recall {share(len(right), len(dupes))}")
    print(f"auto-join (same phone, or words ≥ {requests.SAME_REQUEST_SIMILARITY} with no other phone or door): precision "
          f"{share(len(right_joins), len(joins))}, recall {share(len(right_joins), len(dupes))}")
    firsts = [o for o in outs if not o.duplicate]
    print(f"first reports of a case given a suggestion anyway (another case's request): "
          f"{share(sum(o.suggested is not None for o in firsts), len(firsts))}; auto-joined to another case: "
          f"{sum(o.joined is not None for o in firsts)}")
    print("\nper kind of report      reports  dupes  suggested right  joined right  joined wrong  wrong suggestion")
    for kind in KINDS:
        of = [o for o in outs if o.report.kind == kind]
        if not of:
            continue
        d = [o for o in of if o.duplicate]
        print(f"  {kind:<20} {len(of):>8} {len(d):>6} {sum(o.suggested_right for o in d):>16} "
              f"{sum(o.joined is not None and o.suggested_right for o in d):>13} "
              f"{sum(o.joined is not None and not o.suggested_right for o in of):>13} "
              f"{sum(o.suggested is not None and not o.suggested_right for o in of):>17}")
    why = Counter(o.why for o in right)
    print(f"right suggestions by why: {dict(why)}; wrong ones: "
          f"{dict(Counter(o.why for o in suggested if not o.suggested_right))}")
    split = {g for g in cases if sum(g in held for held in run.holds.values()) > 1}
    mixed = [r for r, held in run.holds.items() if len(held) > 1]
    print(f"\nrequests left: {len(run.holds)} for {len(cases)} true cases "
          f"({len(split)} cases split over more than one request, {len(mixed)} requests holding more than one case)")
    if not lists:
        return
    wrong = [o for o in joins if not o.suggested_right]
    print(f"\nwrong auto-joins ({len(wrong)}):")
    for o in wrong:
        print(f"  line {o.report.line} [{o.report.kind}] {o.report.group} joined {'/'.join(o.suggested_cases)} "
              f"(score {o.score}, {o.why}): {o.report.text[:70]}")
    missed = [o for o in dupes if not o.suggested_right]
    print(f"\nmissed duplicates ({len(missed)}; no suggestion, or another case's):")
    for o in missed:
        got = f"suggested {'/'.join(o.suggested_cases)} ({o.score}, {o.why})" if o.suggested else "no suggestion"
        print(f"  line {o.report.line} [{o.report.kind}] {o.report.group}, {got}: {o.report.text[:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shuffle-seed", type=int, default=7, help="a second pass in this shuffled order (0: none)")
    parser.add_argument("--no-lists", action="store_true", help="figures only, no lists of errors")
    args = parser.parse_args()
    reports = load()
    detect.detector()  # trained once, before anything is timed
    print(f"{DATA.name}: {len(reports)} reports; DUPLICATE_SIMILARITY {requests.DUPLICATE_SIMILARITY}, "
          f"SAME_REQUEST_SIMILARITY {requests.SAME_REQUEST_SIMILARITY}, SAME_PLACE_METRES {requests.SAME_PLACE_METRES}")
    show(feed(reports), "file order", lists=not args.no_lists)
    if args.shuffle_seed:
        shuffled = reports[:]
        random.Random(args.shuffle_seed).shuffle(shuffled)
        show(feed(shuffled), f"shuffled (seed {args.shuffle_seed})", lists=not args.no_lists)


if __name__ == "__main__":
    main()
