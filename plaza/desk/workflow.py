"""The case workflow (工单流程), declared with plaza.workflow. It reads like the process:

受理 accept · 不予受理 reject · 转办 forward · 签收 acknowledge · 退回 return · 延期 request / grant /
refuse an extension · 办理 note · 回复 reply · 回访 rate · 办结 close · 发回重办 rework · 督办 escalate ·
重新打开 reopen · 重复件 link_duplicate.

Roles are what a person is *for this case* (plaza.desk.cases.roles_of): the citizen who filed it,
the desk's staff, the lead department, a co-handler (协办), the department's supervising account
(its parent in the matrix, to which an escalation goes), and the server itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from plaza.clock import as_utc, utcnow
from plaza.desk.limits import RATING_DAYS, REOPEN_DAYS
from plaza.workflow import engine
from plaza.workflow.declaration import STAY, SYSTEM, Limit, Timer, Workflow, step

CITIZEN, DESK, DEPARTMENT, CO_HANDLER, SUPERVISOR = "citizen", "desk", "department", "co_handler", "supervisor"
ROLES = (CITIZEN, DESK, DEPARTMENT, CO_HANDLER, SUPERVISOR)
#: Why a desk declines a case (不予受理).
REJECT_REASONS = ("not_our_business", "duplicate", "needs_information")
RESULTS = ("resolved", "explained", "unsolvable")
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")
#: States in which a case is still being handled.
OPEN = ("submitted", "accepted", "forwarded", "acknowledged", "returned", "in_progress", "replied", "follow_up")
WORKING = ("forwarded", "acknowledged", "in_progress")
#: Reworks after which a case is escalated by itself (督办).
ESCALATE_AFTER_REWORKS = 3
MAX_EXTENSION_DAYS = 30


def _reason(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    return None if data.get("reason") in REJECT_REASONS else "case_reject_reason"


def _department(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    return None if data.get("department") else "case_department_missing"


def _duplicate(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    return None if data.get("of") and data.get("of") != record.get("id") else "case_duplicate_missing"


def _reply(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    if not str(data.get("text") or "").strip():
        return "case_reply_text_missing"
    return None if data.get("result") in RESULTS else "case_result_invalid"


def _rating(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    if data.get("satisfaction") not in SATISFACTION:
        return "case_satisfaction_invalid"
    return None if isinstance(data.get("resolved"), bool) else "case_resolved_missing"


def _extension_asked(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    days = data.get("days")
    if record.get("extension_days"):
        return "case_extension_pending"
    return None if isinstance(days, int) and 1 <= days <= MAX_EXTENSION_DAYS else "case_extension_days"


def _extension_pending(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    return None if record.get("extension_days") else "case_extension_none"


def _not_escalated(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    return "case_already_escalated" if record.get("escalated") else None


def _within_reopen_window(record: Mapping[str, Any], data: Mapping[str, Any]) -> str | None:
    closed = record.get("closed_at")
    if closed is None or as_utc(closed) + timedelta(days=REOPEN_DAYS) < utcnow():
        return "case_reopen_too_late"
    return None


HANDLERS = {DESK, DEPARTMENT, CO_HANDLER, SUPERVISOR}

CASE = engine.register(Workflow(
    "case", initial="submitted", terminal={"closed", "rejected"},
    steps=(
        step("accept", ["submitted"], "accepted", {DESK}),                                           # 受理
        step("reject", ["submitted", "accepted"], "rejected", {DESK}, guards=[_reason]),             # 不予受理
        step("link_duplicate", ["submitted", "accepted"], "rejected", {DESK}, guards=[_duplicate]),  # 重复件
        step("forward", ["accepted", "returned"], "forwarded", {DESK}, guards=[_department]),        # 转办
        step("return", ["forwarded", "acknowledged"], "returned", {DEPARTMENT}, note=True),          # 退回
        step("acknowledge", ["forwarded"], "acknowledged", {DEPARTMENT}),                            # 签收
        step("note", list(OPEN), STAY, HANDLERS, note=True,                                          # 办理
             moves={"acknowledged": "in_progress"}),
        step("request_extension", ["acknowledged", "in_progress"], STAY, {DEPARTMENT}, note=True,    # 申请延期
             guards=[_extension_asked], moves={"acknowledged": "in_progress"}),
        step("grant_extension", ["in_progress"], STAY, {DESK}, guards=[_extension_pending]),         # 同意延期
        step("refuse_extension", ["in_progress"], STAY, {DESK}, note=True, guards=[_extension_pending]),
        step("reply", ["acknowledged", "in_progress"], "replied", {DEPARTMENT}, guards=[_reply]),    # 回复
        step("rate", ["replied"], "follow_up", {CITIZEN}, guards=[_rating]),                         # 回访
        step("close", ["replied", "follow_up"], "closed", {DESK, SYSTEM}),                          # 办结
        step("rework", ["replied", "follow_up"], "forwarded", {DESK}, note=True),                    # 发回重办
        step("escalate", list(WORKING), STAY, {DESK, SYSTEM}, guards=[_not_escalated]),             # 督办
        step("reopen", ["closed", "rejected"], "submitted", {CITIZEN}, note=True, reopens=True,
             guards=[_within_reopen_window]),
    ),
    timers=(
        Timer("accept", starts_on={"start", "reopen"}, stops_on={"accept", "reject", "link_duplicate"},
              limit=Limit(working_days=1)),
        Timer("acknowledge", starts_on={"forward", "rework"}, stops_on={"acknowledge", "return"},
              limit=Limit(working_days=1), on_overdue="escalate"),
        Timer("resolve", starts_on={"forward", "rework"}, stops_on={"reply", "return"},
              limit=Limit(working_days=5), on_overdue="escalate"),
        Timer("rating", starts_on={"reply"}, stops_on={"rate", "close", "rework"},
              limit=Limit(hours=RATING_DAYS * 24), on_overdue="close"),
    ),
))

#: Steps the public sees (on the case page, and as replies in the source post's thread).
PUBLIC_STEPS = frozenset({"start", "accept", "reject", "link_duplicate", "forward", "acknowledge", "reply",
                          "rate", "close", "rework", "escalate", "reopen", "grant_extension"})
