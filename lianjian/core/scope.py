"""Scope: what a user may do with which rows — the one mechanism of the product.

Every screen, API endpoint, export, import, reminder and report asks this module, and
nothing else, whether a user may see or act on a row:

- ``Model.objects.restrict(user, action)`` — the rows of a queryset ``user`` may ``action``
  (one SQL condition, however large the scope);
- :func:`may` ``(user, action, obj)`` — the same rule for one loaded row, evaluated in
  Python on the row and the relations the caller already loaded (no query when they are
  prefetched), so list screens can offer each row's actions cheaply.

A user carries a :class:`Scope` (``user.scope``; accounts builds it from the role — no other
module looks at roles). A scope is a set of *grants*: each grants a kind of reach
(:data:`SEE` or :data:`MANAGE`) over organisations, as a subtree (``/DW/`` and everything
under it) or one organisation exactly. The admin's scope is :data:`Scope.everything`.

A scoped model says only how its rows reach organisations and which reach each action
needs, in a class attribute ``SCOPE``::

    class Activity(models.Model):
        SCOPE = ScopeRules(
            view=[Sees("orgs")],                 # any listed organisation is visible
            change=[Manages("host")],            # the host is managed
            approve=[ManagesBelow("host")],      # managed, and not the manager's own org
        )
        objects = ActivityQuerySet.as_manager()  # a ScopedQuerySet

A rule's *lookup* is the relation path from the row to an organisation (``"host"``,
``"orgs"``, ``"alliance__lead"``; ``""`` for an organisation itself); an organisation is
anything with a materialised ``path`` (``/DW/ZB-A/``). Rules of one action are alternatives
(OR). Scopes that are not a subtree (discipline, audit, board office …) are further grant
kinds: a model names them in its rules and accounts grants them; nothing here changes.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

# Reaches a grant may give. SEE lets a user read; MANAGE lets them change.
SEE = "see"
MANAGE = "manage"

# Grant kinds of the supervising and deciding bodies (supervision.md §3): a body's reach
# is its own records under its organisation, never the organisation subtree as such.
DISCIPLINE = "discipline"
AUDIT = "audit"
INSPECTION = "inspection"
BOARD = "board"

# Common action names; a model may define others (confirm, assign, score …).
VIEW = "view"
CHANGE = "change"
DELETE = "delete"
APPROVE = "approve"
IMPORT = "import"


@dataclass(frozen=True)
class Grant:
    """Reach ``kind`` over the organisation at ``path`` (and, if ``subtree``, all below it)."""

    kind: str
    path: str
    subtree: bool = True

    def covers(self, path: str | None) -> bool:
        if not path:
            return False
        return path.startswith(self.path) if self.subtree else path == self.path

    def q(self, lookup: str) -> Q:
        name = f"{lookup}__path" if lookup else "path"
        return Q(**{f"{name}__under" if self.subtree else name: self.path})


@dataclass(frozen=True)
class Scope:
    """What a user reaches. ``everything`` (the admin) reaches every row for every action.

    ``org_path`` is the path of the user's own organisation (for rules such as "strictly
    below the manager's own organisation" or "schemes of my organisation's ancestors");
    ``member_id`` the member record the user is (for "my own record"); ``user_id`` the user
    (for "what I asked for myself").
    """

    grants: tuple[Grant, ...] = ()
    everything: bool = False
    org_path: str = ""
    member_id: int | None = None
    user_id: int | None = None

    @classmethod
    def of_org(cls, path: str) -> Scope:
        """What an organisation itself sees (its own rows and what is shared with it), for
        questions asked on behalf of an organisation rather than a user."""
        return cls(grants=(Grant(SEE, path, subtree=False),), org_path=path)

    def of(self, kind: str) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.kind == kind)

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.grants and self.member_id is None


NOTHING = Scope()
EVERYTHING = Scope(everything=True)


def scope_of(user: Any) -> Scope:
    """The scope of ``user``: nothing for anonymous or inactive users."""
    if (
        user is None
        or not getattr(user, "is_authenticated", False)
        or not getattr(user, "is_active", False)
    ):
        return NOTHING
    return getattr(user, "scope", NOTHING)


# --- rules --------------------------------------------------------------------------------


def _values(obj: Any, lookup: str) -> Iterator[Any]:
    """The objects at ``lookup`` from ``obj``, following loaded relations (to-many ones
    through ``.all()``, which uses a prefetch when there is one)."""
    if not lookup:
        yield obj
        return
    head, _, rest = lookup.partition("__")
    value = getattr(obj, head, None)
    if value is None:
        return
    if isinstance(value, models.Manager):
        for item in value.all():
            yield from _values(item, rest)
    else:
        yield from _values(value, rest)


def _related_model(model: type[models.Model], name: str) -> type[models.Model]:
    """The model at the other end of the relation ``name`` of ``model``."""
    related = model._meta.get_field(name).related_model
    if not isinstance(related, type):
        raise TypeError(f"{model.__name__}.{name} is not a relation")
    return related


def _is_multi(model: type[models.Model], lookup: str) -> bool:
    """Whether ``lookup`` crosses a to-many relation (a filter on it could repeat rows)."""
    current = model
    for part in lookup.split("__") if lookup else ():
        field_ = current._meta.get_field(part)
        if field_.many_to_many or field_.one_to_many:
            return True
        current = _related_model(current, part)
    return False


class Rule(abc.ABC):
    """One way a row may be reached: the SQL condition on a model's rows and the same
    test on one loaded row. ``lookup`` is the relation path the rule follows."""

    lookup: str = ""

    @abc.abstractmethod
    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        """The condition on ``model``'s rows, or None when this rule reaches nothing."""

    @abc.abstractmethod
    def test(self, scope: Scope, obj: Any) -> bool:
        """Whether the loaded row ``obj`` is reached."""


def _any(qs: Iterable[Q]) -> Q | None:
    items = list(qs)
    return reduce(lambda a, b: a | b, items) if items else None


@dataclass(frozen=True)
class Reaches(Rule):
    """The organisation at ``lookup`` is covered by one of the user's grants of ``kind``."""

    lookup: str
    kind: str = SEE

    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        return _any(g.q(self.lookup) for g in scope.of(self.kind))

    def test(self, scope: Scope, obj: Any) -> bool:
        grants = scope.of(self.kind)
        return any(
            g.covers(getattr(o, "path", None)) for o in _values(obj, self.lookup) for g in grants
        )


def Sees(lookup: str = "") -> Reaches:  # noqa: N802 - reads as a rule in model declarations
    """The organisation at ``lookup`` is visible to the user."""
    return Reaches(lookup, SEE)


def Manages(lookup: str = "") -> Reaches:  # noqa: N802
    """The organisation at ``lookup`` is managed by the user."""
    return Reaches(lookup, MANAGE)


@dataclass(frozen=True)
class ManagesBelow(Rule):
    """Managed, and strictly below the user's own organisation: a manager acts on what lies
    under them, never on their own organisation (approving their own record, changing
    their own organisation's place in the tree)."""

    lookup: str = ""

    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        own = f"{self.lookup}__path" if self.lookup else "path"
        reach = _any(g.q(self.lookup) for g in scope.of(MANAGE))
        return None if reach is None else reach & ~Q(**{own: scope.org_path})

    def test(self, scope: Scope, obj: Any) -> bool:
        grants = scope.of(MANAGE)
        return any(
            getattr(o, "path", None) != scope.org_path
            and any(g.covers(getattr(o, "path", None)) for g in grants)
            for o in _values(obj, self.lookup)
        )


@dataclass(frozen=True)
class AboveUser(Rule):
    """The organisation at ``lookup`` is the user's own organisation or one of its
    ancestors (the organisations whose rules apply to the user, e.g. the scheme that
    assesses their branch)."""

    lookup: str = ""

    def _paths(self, scope: Scope) -> list[str]:
        parts = [p for p in scope.org_path.strip("/").split("/") if p]
        return [f"/{'/'.join(parts[:i])}/" for i in range(1, len(parts) + 1)]

    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        paths = self._paths(scope)
        own = f"{self.lookup}__path" if self.lookup else "path"
        return Q(**{f"{own}__in": paths}) if paths else None

    def test(self, scope: Scope, obj: Any) -> bool:
        paths = set(self._paths(scope))
        return any(getattr(o, "path", None) in paths for o in _values(obj, self.lookup))


@dataclass(frozen=True)
class Unset(Rule):
    """The relation at ``lookup`` is empty: a row that belongs to no organisation (a
    platform-wide scheme) is open to every user who has any scope."""

    lookup: str

    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        return None if scope.is_empty else Q(**{f"{self.lookup}__isnull": True})

    def test(self, scope: Scope, obj: Any) -> bool:
        return not scope.is_empty and getattr(obj, f"{self.lookup}_id", None) is None


@dataclass(frozen=True)
class IsOwnMember(Rule):
    """The member record at ``lookup`` is the user's own (``""``: the row is a member)."""

    lookup: str = ""

    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        if scope.member_id is None:
            return None
        return Q(**{f"{self.lookup}__pk" if self.lookup else "pk": scope.member_id})

    def test(self, scope: Scope, obj: Any) -> bool:
        return scope.member_id is not None and any(
            o.pk == scope.member_id for o in _values(obj, self.lookup)
        )


@dataclass(frozen=True)
class IsUser(Rule):
    """The user at ``lookup`` is the user themself (a booking they requested)."""

    lookup: str

    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        return None if scope.user_id is None else Q(**{f"{self.lookup}_id": scope.user_id})

    def test(self, scope: Scope, obj: Any) -> bool:
        return (
            scope.user_id is not None and getattr(obj, f"{self.lookup}_id", None) == scope.user_id
        )


@dataclass(frozen=True)
class Where(Rule):
    """A rule of the model's own, given as a condition builder on the scope (e.g. resources
    shared with the user's alliance partners). A loaded row is tested with ``check`` when
    given, else by asking the database whether the row meets the condition (one query)."""

    build: Callable[[Scope], Q | None]
    check: Callable[[Scope, Any], bool] | None = None

    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        return self.build(scope)

    def test(self, scope: Scope, obj: Any) -> bool:
        if self.check is not None:
            return self.check(scope, obj)
        cond = self.build(scope)
        return cond is not None and type(obj)._base_manager.filter(cond, pk=obj.pk).exists()


@dataclass(frozen=True)
class Only(Rule):
    """``rule``, for the rows that also satisfy a condition of their own (``when`` as SQL,
    ``holds`` on a loaded row): "the managers above the raiser, when there is no alliance"."""

    when: Q
    holds: Callable[[Any], bool]
    rule: Rule
    lookup: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lookup", self.rule.lookup)

    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        inner = self.rule.q(model, scope)
        return None if inner is None else inner & self.when

    def test(self, scope: Scope, obj: Any) -> bool:
        return self.holds(obj) and self.rule.test(scope, obj)


@dataclass(frozen=True)
class Also(Rule):
    """Another action's rules on a related row: ``Also("meeting", "view")`` — a row is
    reached when its meeting is (the related model's own rules decide)."""

    lookup: str
    action: str = VIEW

    def _related(self, model: type[models.Model]) -> type[models.Model]:
        current = model
        for part in self.lookup.split("__"):
            current = _related_model(current, part)
        return current

    def q(self, model: type[models.Model], scope: Scope) -> Q | None:
        related = self._related(model)
        inner = scoped(related._default_manager.all()).restrict_scope(scope, self.action)
        return Q(**{f"{self.lookup}__in": inner.values("pk")})

    def test(self, scope: Scope, obj: Any) -> bool:
        return any(may_scope(scope, self.action, o) for o in _values(obj, self.lookup))


@dataclass(frozen=True)
class ScopeRules:
    """A model's scope declaration: for each action, the rules of which any one suffices.

    Every action a model supports is declared; an undeclared action reaches nothing for
    anyone but the admin (fail closed).
    """

    actions: dict[str, tuple[Rule, ...]] = field(default_factory=dict)

    def __init__(self, **actions: Iterable[Rule]) -> None:
        object.__setattr__(self, "actions", {name: tuple(rules) for name, rules in actions.items()})

    def rules(self, action: str) -> tuple[Rule, ...]:
        return self.actions.get(action, ())

    def q(self, model: type[models.Model], scope: Scope, action: str) -> Q | None:
        """The condition for ``action``: rules crossing a to-many relation become a
        ``pk IN (…)`` subquery so that rows are never repeated."""
        parts: list[Q] = []
        for rule in self.rules(action):
            cond = rule.q(model, scope)
            if cond is None:
                continue
            if rule.lookup and _is_multi(model, rule.lookup):
                cond = Q(pk__in=model._base_manager.filter(cond).values("pk"))
            parts.append(cond)
        return _any(parts)


_M = TypeVar("_M", bound=models.Model)


def rules_of(model: type[models.Model]) -> ScopeRules:
    rules = getattr(model, "SCOPE", None)
    if not isinstance(rules, ScopeRules):
        raise TypeError(f"{model.__name__} declares no SCOPE")
    return rules


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that knows its model's :class:`ScopeRules`.

    ``visible_to`` and ``manageable_by`` are the two common actions, kept as names because
    they read well at call sites; both are :meth:`restrict`.
    """

    def restrict(self, user: Any, action: str = VIEW) -> ScopedQuerySet[_M]:
        """The rows ``user`` may ``action``; nothing for anonymous or inactive users."""
        return self.restrict_scope(scope_of(user), action)

    def restrict_scope(self, scope: Scope, action: str = VIEW) -> ScopedQuerySet[_M]:
        if scope.everything:
            return self
        cond = rules_of(self.model).q(self.model, scope, action)
        return self.none() if cond is None else self.filter(cond)

    def visible_to(self, user: Any) -> ScopedQuerySet[_M]:
        return self.restrict(user, VIEW)

    def manageable_by(self, user: Any) -> ScopedQuerySet[_M]:
        return self.restrict(user, CHANGE)


def scoped(queryset: models.QuerySet[_M]) -> ScopedQuerySet[_M]:
    """``queryset`` as a :class:`ScopedQuerySet` (TypeError: its model is not scoped)."""
    if not isinstance(queryset, ScopedQuerySet):
        raise TypeError(
            f"{queryset.model.__name__} is not scoped: its manager is not ScopedQuerySet.as_manager()"
        )
    return queryset


def may_scope(scope: Scope, action: str, obj: models.Model) -> bool:
    if scope.everything:
        return True
    return any(rule.test(scope, obj) for rule in rules_of(type(obj)).rules(action))


def may(user: Any, action: str, obj: models.Model | None) -> bool:
    """Whether ``user`` may ``action`` the loaded row ``obj`` — the same rules as
    :meth:`ScopedQuerySet.restrict`, evaluated without a query on loaded relations."""
    if obj is None:
        return False
    return may_scope(scope_of(user), action, obj)


def manages_any(user: Any) -> bool:
    """Whether ``user`` manages anything at all (screens offer "新建" only then)."""
    scope = scope_of(user)
    return scope.everything or bool(scope.of(MANAGE))


def require(user: Any, action: str, obj: models.Model, message: str = "") -> None:
    """Raise ``PermissionDenied(message)`` (403) unless ``user`` may ``action`` ``obj``;
    callers found ``obj`` through ``visible_to`` first, so an invisible row has already
    answered 404. The API answers ``{"detail": message}``."""
    if not may(user, action, obj):
        raise PermissionDenied(message)


def get_visible_or_404(queryset: models.QuerySet[_M] | type[_M], user: Any, **lookup: Any) -> _M:
    """The row matching ``lookup`` among those ``user`` may see, else 404 — exactly as if
    it did not exist."""
    qs = scoped(queryset._default_manager.all() if isinstance(queryset, type) else queryset)
    try:
        return qs.restrict(user, VIEW).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


__all__ = [
    "SEE",
    "MANAGE",
    "VIEW",
    "CHANGE",
    "DELETE",
    "APPROVE",
    "IMPORT",
    "Grant",
    "Scope",
    "NOTHING",
    "EVERYTHING",
    "scope_of",
    "Rule",
    "Reaches",
    "Sees",
    "Manages",
    "ManagesBelow",
    "AboveUser",
    "Unset",
    "IsOwnMember",
    "IsUser",
    "Where",
    "Only",
    "Also",
    "ScopeRules",
    "ScopedQuerySet",
    "may",
    "may_scope",
    "manages_any",
    "require",
    "get_visible_or_404",
    "scoped",
]
