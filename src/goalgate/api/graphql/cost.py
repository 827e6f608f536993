"""The cost of a GraphQL operation, known before it runs: what it returns and what it reads.

Depth, aliases and tokens bound a document's size, not its work: one small
query can ask 100 goals for a 10-year daily time series, twice (``previous``),
under several aliases. So each operation is priced before execution, from its
document and variables, in the style of GitHub's node limit: the cost is the
largest number of objects the response may hold (sites, goals, stats, time
series buckets, top matches...), each list counted at the most its arguments
allow:

- ``Site.goals(first)``: ``first`` goals (default 50, at most 100), and its
  ``nodes`` and ``edges`` as many;
- ``GoalStats.timeseries(interval)``: the buckets of the stats' period (a day
  per day, a week per 7 days, a month per 28 days, plus one for the clipped
  first bucket); a period of 12 months counts 366 days, a CUSTOM one its days;
- ``GoalStats.previous``: the same again when ``stats(compare:)`` is set
  (nothing without it);
- ``Goal.breakdown(first)``: ``first`` rows (default 10, at most 100), and
  its ``nodes`` and ``edges`` as many, so a page of goals with breakdowns
  costs goals x first;
- ``Site.stats``, ``Site.breakdown`` and their ``timeseries``, ``previous``,
  ``nodes`` and ``edges``: as the goal fields of the same names;
  ``Site.funnel(steps)``: its steps (at most 8), and one read per step;
- ``Viewer.sites``: the sites the token may see; ``topMatches``: 10;
- ``Query.node``: one object, ``Query.nodes(ids)``: one per id (at most
  ``MAX_NODE_IDS``), each priced as its dearest possible type's selection
  (a ``Goal`` or a ``Site``: ``... on Goal { stats }`` costs as under ``goal``);
- every alias, fragment spread and inline fragment counts as written
  (``@skip``/``@include`` are honoured).

To that is added what the operation reads, since a response of a few
objects can still read every event of a site, for each clause, many times:
each read of events (``Goal.stats``, ``previewGoal``, ``timeseries``,
``previous``, ``Goal.breakdown``) costs one per started 30 days of its
period, times 1 + its filter clauses: every dimension, ENTRY_PAGE too, is a
column of the event row (the visit's values are written on it, issue #22), so
a clause or a breakdown by any of them costs the same. So a 30-day stats
costs 1 more. What a read really
takes also depends on the data, so every read has a time budget besides
(``goalgate.budgets``).

An operation over ``GOALGATE_GRAPHQL_MAX_COST`` is refused with
BAD_USER_INPUT naming the limit and its cost, before any resolver runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from math import ceil
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.type.definition import get_nullable_type

from goalgate.api.graphql.node import MAX_NODE_IDS
from goalgate.domain.periods import Period
from goalgate.domain.query import DEFAULT_PERIOD, DEFAULT_ROWS, MAX_ROWS
from goalgate.services import goals as goal_service
from goalgate.services import insights as insight_service
from goalgate.services.funnels import MAX_STEPS

__all__ = ["Cost", "operation_cost"]

# The bounds the resolvers enforce.
MAX_PAGE = goal_service.MAX_PAGE_SIZE
PREVIEW_TOP = insight_service.PREVIEW_TOP
DEFAULT_PAGE = 50
_PERIOD_DAYS = {
    Period.LAST_7_DAYS.name: 7,
    Period.LAST_30_DAYS.name: 30,
    Period.LAST_12_MONTHS.name: 366,
}
# Days of events one unit of read cost stands for.
_SCAN_DAYS = 30
_DEFAULT_PERIOD = DEFAULT_PERIOD.name
_DEFAULT_DAYS = _PERIOD_DAYS[_DEFAULT_PERIOD]


@dataclass(frozen=True, slots=True)
class _Frame:
    """What the fields above a selection decided: page size, period length, comparison."""

    page: int = DEFAULT_PAGE
    days: int = _DEFAULT_DAYS
    compare: bool = False
    # What one read of events costs under this stats field (see ``read_cost``).
    read: int = 0


@dataclass(slots=True)
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    defaults: dict[str, Any]
    sites: int
    saw_sites: bool = False

    def argument(self, node: FieldNode, name: str, default: Any = None) -> Any:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                variable = value.name.value
                if variable in self.variables:
                    return self.variables[variable]
                return self.defaults.get(variable, default)
            return value_from_ast_untyped(value, self.variables)
        return default

    def included(self, node: SelectionNode) -> bool:
        for directive in node.directives or ():
            name = directive.name.value
            if name not in {"skip", "include"}:
                continue
            condition = None
            for argument in directive.arguments or ():
                if argument.name.value == "if":
                    condition = (
                        self.variables.get(argument.value.name.value)
                        if isinstance(argument.value, VariableNode)
                        else value_from_ast_untyped(argument.value, self.variables)
                    )
            if (name == "skip" and condition is True) or (name == "include" and condition is False):
                return False
        return True

    def selection(
        self, selections: SelectionSetNode, parent: GraphQLObjectType, frame: _Frame
    ) -> int:
        cost = 0
        for node in selections.selections:
            if not self.included(node):
                continue
            if isinstance(node, FieldNode):
                cost += self.field(node, parent, frame)
            elif isinstance(node, InlineFragmentNode):
                if (applies := self.condition(node, parent)) is not None:
                    cost += self.selection(node.selection_set, applies, frame)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None and (applies := self.condition(fragment, parent)):
                    cost += self.selection(fragment.selection_set, applies, frame)
        return cost

    def condition(
        self, node: InlineFragmentNode | FragmentDefinitionNode, parent: GraphQLObjectType
    ) -> GraphQLObjectType | None:
        """The object type a fragment's selection is read as under ``parent``; None when
        the fragment cannot apply to it (``... on Site`` under a Goal of ``node``)."""
        if node.type_condition is None:
            return parent
        named: GraphQLNamedType | None = self.schema.get_type(node.type_condition.name.value)
        if isinstance(named, GraphQLObjectType):
            return named if named is parent else None
        if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
            return parent if self.schema.is_sub_type(named, parent) else None
        return parent

    def field(self, node: FieldNode, parent: GraphQLObjectType, frame: _Frame) -> int:
        name = node.name.value
        definition = parent.fields.get(name)
        if definition is None or name.startswith("__"):
            return 0
        returned = get_named_type(definition.type)
        if not is_composite_type(returned) or node.selection_set is None:
            return 0  # scalars and enums are part of their object
        count, frame, read = self.items(parent.name, name, node, frame)
        if is_list_type(get_nullable_type(definition.type)) and count is None:
            count = 1
        count = 1 if count is None else count
        if count == 0:
            return 0
        if isinstance(returned, GraphQLObjectType):
            below = self.selection(node.selection_set, returned, frame)
        else:
            # An interface (Node): each object is one of its types, so it costs
            # at most what the dearest type's selection costs.
            assert isinstance(returned, GraphQLInterfaceType | GraphQLUnionType)
            below = max(
                (
                    self.selection(node.selection_set, possible, frame)
                    for possible in self.schema.get_possible_types(returned)
                ),
                default=0,
            )
        return read + count + count * below

    def items(
        self, parent: str, name: str, node: FieldNode, frame: _Frame
    ) -> tuple[int | None, _Frame, int]:
        """How many objects the field gives per parent, the frame below it, and
        what its own read of events costs (once per parent)."""
        match (parent, name):
            case ("Site", "goals"):
                first = self.argument(node, "first", DEFAULT_PAGE)
                page = DEFAULT_PAGE if first is None else _int(first, MAX_PAGE)
                return 1, replace(frame, page=max(0, min(page, MAX_PAGE))), 0
            case (
                ("GoalConnection", "nodes" | "edges")
                | ("BreakdownConnection", "nodes" | "edges")
                | ("SiteBreakdownConnection", "nodes" | "edges")
                | ("Funnel", "steps")
            ):
                return frame.page, frame, 0
            case ("Goal", "breakdown") | ("Site", "breakdown"):
                first = self.argument(node, "first", DEFAULT_ROWS)
                rows = DEFAULT_ROWS if first is None else _int(first, MAX_ROWS)
                read = self.read_cost(node, self.period_days(node))
                return 1, replace(frame, page=max(0, min(rows, MAX_ROWS))), read
            case ("Goal", "stats") | ("Query", "previewGoal") | ("Site", "stats"):
                days = self.period_days(node)
                read = self.read_cost(node, days)
                below = replace(
                    frame, days=days, compare=self.argument(node, "compare") is not None, read=read
                )
                return 1, below, read
            case ("Site", "funnel"):
                steps = self.argument(node, "steps", [])
                count = min(len(steps), MAX_STEPS) if isinstance(steps, list) else MAX_STEPS
                # One pass over the period's events per step.
                read = self.read_cost(node, self.period_days(node)) * max(count, 1)
                return 1, replace(frame, page=count), read
            case ("GoalStats" | "SiteStats", "timeseries"):
                buckets = _buckets(frame.days, self.argument(node, "interval", "DAY"))
                return buckets, frame, frame.read
            case ("GoalStats" | "SiteStats", "previous"):
                if not frame.compare:
                    return 0, frame, 0
                return 1, replace(frame, compare=False), frame.read
            case ("GoalPreview", "topMatches"):
                return PREVIEW_TOP, frame, 0
            case ("Query", "nodes"):
                ids = self.argument(node, "ids", [])
                # A single id coerces to a list of one; more than the bound is refused.
                count = min(len(ids), MAX_NODE_IDS) if isinstance(ids, list) else 1
                return count, frame, 0
            case ("Viewer", "sites"):
                self.saw_sites = True
                return self.sites, frame, 0
        return None, frame, 0

    def read_cost(self, node: FieldNode, days: int) -> int:
        """One read of ``days`` of events under the field's filter (module docstring)."""
        clauses = self.argument(node, "filter")
        if isinstance(clauses, dict):  # one clause where a list is expected
            clauses = [clauses]
        if not isinstance(clauses, list):
            clauses = []
        return ceil(days / _SCAN_DAYS) * (1 + len(clauses))

    def period_days(self, node: FieldNode) -> int:
        period = self.argument(node, "period", _DEFAULT_PERIOD) or _DEFAULT_PERIOD
        if period != "CUSTOM":
            return _PERIOD_DAYS.get(str(period), _DEFAULT_DAYS)
        try:
            first = date.fromisoformat(str(self.argument(node, "from")))
            last = date.fromisoformat(str(self.argument(node, "to")))
        except ValueError:
            return 1  # refused by the resolver, which computes nothing
        return max((last - first).days + 1, 1)


def _int(value: Any, fallback: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else fallback


def _buckets(days: int, interval: Any) -> int:
    if interval == "WEEK":
        return ceil(days / 7) + 1
    if interval == "MONTH":
        return ceil(days / 28) + 1
    return days


@dataclass(frozen=True, slots=True)
class Cost:
    cost: int
    # Whether Viewer.sites was priced (then ``sites`` mattered).
    counted_sites: bool


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any] | None,
    *,
    sites: int = 1,
) -> Cost:
    """The cost of ``operation`` of ``document`` (see the module docstring)."""
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        return Cost(0, counted_sites=False)
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    walk = _Walk(
        schema=schema,
        fragments={
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        },
        variables=dict(variables or {}),
        defaults=defaults,
        sites=sites,
    )
    cost = walk.selection(operation.selection_set, root, _Frame())
    return Cost(cost, counted_sites=walk.saw_sites)
