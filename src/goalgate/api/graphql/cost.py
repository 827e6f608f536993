"""The cost of a GraphQL operation, known before it runs: goals x buckets x aliases.

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
- ``Viewer.sites``: the sites the token may see; ``topMatches``: 10;
- every alias, fragment spread and inline fragment counts as written
  (``@skip``/``@include`` are honoured).

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
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_list_type,
    is_object_type,
    value_from_ast_untyped,
)
from graphql.type.definition import get_nullable_type

from goalgate.services import breakdowns as breakdown_service
from goalgate.services import goals as goal_service
from goalgate.services import insights as insight_service

__all__ = ["Cost", "operation_cost"]

# The bounds the resolvers enforce.
MAX_PAGE = goal_service.MAX_PAGE_SIZE
PREVIEW_TOP = insight_service.PREVIEW_TOP
DEFAULT_PAGE = 50
MAX_ROWS = breakdown_service.MAX_ROWS
DEFAULT_ROWS = breakdown_service.DEFAULT_ROWS
_PERIOD_DAYS = {"LAST_7_DAYS": 7, "LAST_30_DAYS": 30, "LAST_12_MONTHS": 366}
_DEFAULT_PERIOD = "LAST_30_DAYS"


@dataclass(frozen=True, slots=True)
class _Frame:
    """What the fields above a selection decided: page size, period length, comparison."""

    page: int = DEFAULT_PAGE
    days: int = 30
    compare: bool = False


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
                cost += self.selection(node.selection_set, self.condition(node, parent), frame)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    cost += self.selection(
                        fragment.selection_set, self.condition(fragment, parent), frame
                    )
        return cost

    def condition(
        self, node: InlineFragmentNode | FragmentDefinitionNode, parent: GraphQLObjectType
    ) -> GraphQLObjectType:
        if node.type_condition is None:
            return parent
        named: GraphQLNamedType | None = self.schema.get_type(node.type_condition.name.value)
        return named if isinstance(named, GraphQLObjectType) else parent

    def field(self, node: FieldNode, parent: GraphQLObjectType, frame: _Frame) -> int:
        name = node.name.value
        definition = parent.fields.get(name)
        if definition is None or name.startswith("__"):
            return 0
        returned = get_named_type(definition.type)
        if not is_object_type(returned) or node.selection_set is None:
            return 0  # scalars and enums are part of their object
        count, frame = self.items(parent.name, name, node, frame)
        if is_list_type(get_nullable_type(definition.type)) and count is None:
            count = 1
        count = 1 if count is None else count
        if count == 0:
            return 0
        assert isinstance(returned, GraphQLObjectType)
        return count + count * self.selection(node.selection_set, returned, frame)

    def items(
        self, parent: str, name: str, node: FieldNode, frame: _Frame
    ) -> tuple[int | None, _Frame]:
        """How many objects the field gives per parent, and the frame below it."""
        match (parent, name):
            case ("Site", "goals"):
                first = self.argument(node, "first", DEFAULT_PAGE)
                page = DEFAULT_PAGE if first is None else _int(first, MAX_PAGE)
                return 1, replace(frame, page=max(0, min(page, MAX_PAGE)))
            case ("GoalConnection", "nodes" | "edges") | ("BreakdownConnection", "nodes" | "edges"):
                return frame.page, frame
            case ("Goal", "breakdown"):
                first = self.argument(node, "first", DEFAULT_ROWS)
                rows = DEFAULT_ROWS if first is None else _int(first, MAX_ROWS)
                return 1, replace(frame, page=max(0, min(rows, MAX_ROWS)))
            case ("Goal", "stats") | ("Query", "previewGoal"):
                return 1, replace(
                    frame,
                    days=self.period_days(node),
                    compare=self.argument(node, "compare") is not None,
                )
            case ("GoalStats", "timeseries"):
                return _buckets(frame.days, self.argument(node, "interval", "DAY")), frame
            case ("GoalStats", "previous"):
                return (1 if frame.compare else 0), replace(frame, compare=False)
            case ("GoalPreview", "topMatches"):
                return PREVIEW_TOP, frame
            case ("Viewer", "sites"):
                self.saw_sites = True
                return self.sites, frame
        return None, frame

    def period_days(self, node: FieldNode) -> int:
        period = self.argument(node, "period", _DEFAULT_PERIOD) or _DEFAULT_PERIOD
        if period != "CUSTOM":
            return _PERIOD_DAYS.get(str(period), 30)
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
