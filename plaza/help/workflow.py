"""The help request workflow (求助闭环), declared with plaza.workflow. It reads like the loop the
seed asks for — 求助 → 核实 → 派遣 → 响应 → 公示:

核实 verify (call-back made: verified) · 联系不上 unreachable (tried, stays in the queue) · 关闭 close
(false, or already safe) · 合并 merge (a duplicate joins the request it repeats) · 派遣 offer (to
fitting responders near it) · 认领 claim (one responder takes it; of concurrent claims exactly one
wins) · 放弃 release (the responder gives it back) · 进展 progress · 完成 complete (evidence, people
helped) · 确认 confirm (the requester or a verifier) · 公示 publish · 撤回 withdraw (the requester) ·
回访 follow_up (the server brings a stale request back to the verifiers).

Roles are what a person is *for this request* (plaza.help.requests.standing): the requester, a
verifier, a responder who may claim it, the responder who claimed it (assignee), the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from plaza.workflow import engine
from plaza.workflow.declaration import STAY, SYSTEM, Limit, Timer, Workflow, step

REQUESTER, VERIFIER, RESPONDER, ASSIGNEE = "requester", "verifier", "responder", "assignee"
ROLES = (REQUESTER, VERIFIER, RESPONDER, ASSIGNEE)
#: What verifying finds (the API's ``outcome`` of ``verify``), and the step each one takes.
OUTCOMES: dict[str, str] = {"verified": "verify", "unreachable": "unreachable", "false": "close",
                            "safe": "close", "duplicate": "merge"}
#: Why a request closed without help.
CLOSE_REASONS = ("false", "safe")
#: States in which a request still waits for someone (the public list's "open").
OPEN = ("submitted", "verified", "dispatched", "claimed", "in_progress")
#: States a responder works in.
WORKING = ("claimed", "in_progress")
#: Hours after which a request nobody moved comes back to the verifiers (回访), unless the
#: instance says otherwise (PLAZA_HELP_FOLLOW_UP_HOURS).
FOLLOW_UP_HOURS = 6.0
MAX_PEOPLE_HELPED = 100_000


def _close_reason(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    return None if data.get("reason") in CLOSE_REASONS else "help_close_reason"


def _merge_target(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    into = data.get("into")
    return None if into and str(into) != str(record.get("id")) else "help_merge_target_missing"


def _completion(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    if not str(data.get("note") or "").strip():
        return "help_completion_note_missing"
    helped = data.get("people_helped")
    ok = isinstance(helped, int) and not isinstance(helped, bool) and 0 <= helped <= MAX_PEOPLE_HELPED
    return None if ok else "help_people_helped_invalid"


def _responders(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    return None if data.get("responders") else "help_no_responder"


HELP = engine.register(Workflow(
    "help", initial="submitted", terminal={"published", "closed", "merged", "withdrawn"},
    steps=(
        step("verify", ["submitted"], "verified", {VERIFIER}),                                       # 核实
        step("unreachable", ["submitted"], STAY, {VERIFIER}),                                         # 联系不上
        step("close", list(OPEN), "closed", {VERIFIER, REQUESTER, SYSTEM},
             guards=[_close_reason]),                                                                 # 关闭
        step("merge", ["submitted", "verified", "dispatched"], "merged", {VERIFIER},
             guards=[_merge_target]),                                                                 # 合并
        step("offer", ["verified", "dispatched"], "dispatched", {VERIFIER, SYSTEM},
             guards=[_responders]),                                                                   # 派遣
        step("claim", ["verified", "dispatched"], "claimed", {RESPONDER}),                            # 认领
        step("release", ["claimed", "in_progress"], "dispatched", {ASSIGNEE, VERIFIER}, note=True),   # 放弃
        step("progress", list(WORKING), STAY, {ASSIGNEE}, note=True, moves={"claimed": "in_progress"}),  # 进展
        step("complete", list(WORKING), "completed", {ASSIGNEE}, guards=[_completion]),               # 完成
        step("confirm", ["completed"], "confirmed", {REQUESTER, VERIFIER}),                           # 确认
        step("publish", ["completed", "confirmed"], "published", {VERIFIER, SYSTEM}),                 # 公示
        step("withdraw", list(OPEN), "withdrawn", {REQUESTER}),                                       # 撤回
        step("follow_up", ["verified", "dispatched", "claimed", "in_progress", "completed"], STAY,
             {VERIFIER, SYSTEM}),                                                                     # 回访
    ),
    timers=(
        # a request nobody moved for a while comes back to the verifiers for a call-back round
        Timer("follow_up", starts_on={"verify", "offer", "claim", "progress", "release", "follow_up", "complete"},
              stops_on={"confirm", "publish"}, limit=Limit(hours=FOLLOW_UP_HOURS), on_overdue="follow_up"),
    ),
))

#: Steps the public sees in a request's history (no notes: those may name people).
PUBLIC_STEPS = frozenset({"start", "verify", "close", "merge", "offer", "claim", "release", "progress", "complete",
                          "confirm", "publish", "withdraw"})
