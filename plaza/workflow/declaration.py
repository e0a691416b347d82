"""A workflow declared as data (流程定义): its states, the steps between them with the roles that
may take each, and the time limits that steps start and stop. Pure: checked when it is built, so a
workflow that could strand a subject (a state nothing reaches, a step out of a terminal state, a
step into a state that does not exist) never loads.

    CASE = Workflow(
        "case", initial="submitted", terminal={"closed", "rejected"},
        steps=(
            step("accept", ["submitted"], "accepted", {DESK}),                       # 受理
            step("forward", ["accepted", "returned"], "forwarded", {DESK}),          # 转办
            step("return", ["forwarded"], "returned", {DEPT}, note=True),            # 退回
            ...
        ),
        timers=(Timer("resolve", starts_on={"forward"}, stops_on={"reply"},
                      limit=Limit(working_days=5)),),
    )
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: A guard: given the subject's current record and the step's fields, returns a message key when
#: the step may not be taken (422), None when it may.
Guard = Callable[[Mapping[str, Any], Mapping[str, Any]], str | None]


@dataclass(frozen=True, slots=True)
class Limit:
    """How long something may take: clock hours (an emergency does not wait for Monday) or
    working days (counted with China's public holidays and make-up working days, 调休)."""

    hours: float = 0.0
    working_days: int = 0

    def __post_init__(self) -> None:
        if (self.hours > 0) == (self.working_days > 0) or self.hours < 0 or self.working_days < 0:
            raise ValueError("a limit is either hours or working days, and more than nothing")


@dataclass(frozen=True, slots=True)
class Step:
    """An action (transition): from one of ``sources`` to ``target``, by one of ``roles``."""

    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    #: whether the actor must say why (a note), e.g. returning a case as not one's business
    note: bool = False
    guards: tuple[Guard, ...] = ()
    #: the one kind of step that may leave a terminal state, said so where it is declared
    #: (a citizen reopening a closed case within 30 days)
    reopens: bool = False
    #: for a step that otherwise stays (target :data:`STAY`): the sources it moves on from, and
    #: where to (a department's first note on an acknowledged case starts the work: in_progress)
    moves: tuple[tuple[str, str], ...] = ()


def step(action: str, sources: Iterable[str], target: str, roles: Iterable[str], *, note: bool = False,
         guards: Iterable[Guard] = (), reopens: bool = False, moves: Mapping[str, str] | None = None) -> Step:
    return Step(action, frozenset(sources), target, frozenset(roles), note, tuple(guards), reopens,
                tuple(sorted((moves or {}).items())))


@dataclass(frozen=True, slots=True)
class Timer:
    """A time limit that runs from a step in ``starts_on`` until a step in ``stops_on`` (or the
    subject reaches a terminal state). Its limit is the default; the caller may give another per
    subject (a category's or an urgency's) when the timer starts."""

    name: str
    starts_on: frozenset[str]
    stops_on: frozenset[str]
    limit: Limit
    #: the step the server takes when this timer runs out, instead of the workflow's ``on_overdue``
    #: (a case nobody rated within 7 days is closed, not escalated)
    on_overdue: str | None = None

    def __init__(self, name: str, *, starts_on: Iterable[str], stops_on: Iterable[str], limit: Limit,
                 on_overdue: str | None = None) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "starts_on", frozenset(starts_on))
        object.__setattr__(self, "stops_on", frozenset(stops_on))
        object.__setattr__(self, "limit", limit)
        object.__setattr__(self, "on_overdue", on_overdue)


#: A step's target meaning "where it already is": a note, an escalation (督办) that flags a case
#: wherever it stands, an extension granted.
STAY = "="

#: The role of the server itself (the overdue sweep), for steps nobody takes by hand.
SYSTEM = "system"


class DeclarationError(ValueError):
    """A workflow that could not work as declared."""


@dataclass(frozen=True)
class Workflow:
    name: str
    initial: str
    terminal: frozenset[str]
    steps: tuple[Step, ...]
    timers: tuple[Timer, ...] = ()
    #: the step the server takes (as :data:`SYSTEM`) on a subject whose timer ran out, if any
    on_overdue: str | None = None
    _by_action: dict[str, Step] = field(init=False, repr=False, compare=False)

    def __init__(self, name: str, *, initial: str, terminal: Iterable[str], steps: Iterable[Step],
                 timers: Iterable[Timer] = (), on_overdue: str | None = None) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "initial", initial)
        object.__setattr__(self, "terminal", frozenset(terminal))
        object.__setattr__(self, "steps", tuple(steps))
        object.__setattr__(self, "timers", tuple(timers))
        object.__setattr__(self, "on_overdue", on_overdue)
        object.__setattr__(self, "_by_action", {s.action: s for s in self.steps})
        self._check()

    @property
    def states(self) -> frozenset[str]:
        """Every state: the initial one and those steps lead from or to."""
        named = {self.initial, *self.terminal}
        for s in self.steps:
            named |= s.sources | ({s.target} - {STAY}) | {to for _, to in s.moves}
        return frozenset(named)

    def step(self, action: str) -> Step | None:
        return self._by_action.get(action)

    def target(self, action: str, state: str) -> str:
        """Where ``action`` taken in ``state`` leads."""
        declared = self._by_action[action]
        if declared.target != STAY:
            return declared.target
        return dict(declared.moves).get(state, state)

    def overdue_step(self, timer: str) -> str | None:
        """The step the server takes when ``timer`` runs out (the timer's own, else the workflow's)."""
        for t in self.timers:
            if t.name == timer:
                return t.on_overdue or self.on_overdue
        return self.on_overdue

    def actions_from(self, state: str) -> tuple[str, ...]:
        """The actions that may be taken in ``state`` (by someone), in declaration order."""
        return tuple(s.action for s in self.steps if state in s.sources)

    def _check(self) -> None:
        if not self.name or len(self.name) > 32:
            raise DeclarationError("a workflow needs a name of at most 32 characters")
        if len(self._by_action) != len(self.steps):
            raise DeclarationError(f"{self.name}: an action is declared twice")
        for s in self.steps:
            if not s.sources or not s.roles:
                raise DeclarationError(f"{self.name}.{s.action}: a step needs sources and roles")
            leaving = s.sources & self.terminal
            if s.target == STAY:  # staying in a terminal state leaves nothing
                leaving = frozenset()
            if leaving and not s.reopens:
                raise DeclarationError(f"{self.name}.{s.action}: leaves the terminal state {sorted(leaving)[0]} "
                                       "(only a step declared with reopens=True may)")
            if s.moves and (s.target != STAY or not {f for f, _ in s.moves} <= s.sources):
                raise DeclarationError(f"{self.name}.{s.action}: moves only from its sources, on a step that stays")
            if s.reopens and not leaving:
                raise DeclarationError(f"{self.name}.{s.action}: reopens, but from no terminal state")
        reached = {self.initial}
        frontier = [self.initial]
        while frontier:
            state = frontier.pop()
            for s in self.steps:
                if state not in s.sources:
                    continue
                for target in ({s.target} - {STAY}) | {to for source, to in s.moves if source == state}:
                    if target not in reached:
                        reached.add(target)
                        frontier.append(target)
        unreachable = self.states - reached
        if unreachable:
            raise DeclarationError(f"{self.name}: no step reaches {sorted(unreachable)}")
        for t in self.timers:
            unknown = (t.starts_on | t.stops_on) - set(self._by_action) - {"start"}  # engine.START
            if unknown:
                raise DeclarationError(f"{self.name}: timer {t.name} names unknown actions {sorted(unknown)}")
        for overdue in {self.on_overdue, *(t.on_overdue for t in self.timers)} - {None}:
            taken = self._by_action.get(overdue or "")
            if taken is None or SYSTEM not in taken.roles:
                raise DeclarationError(f"{self.name}: on_overdue must be a step the {SYSTEM!r} role may take")
        if len({t.name for t in self.timers}) != len(self.timers):
            raise DeclarationError(f"{self.name}: a timer is declared twice")
