"""Filters and PATCH operations (RFC 7644 §3.4.2.2 and §3.5.2), parsed with scim2-models' grammar of the RFC.

A filter on Users becomes a database query (`users_query`); a filter on Groups, of which there are as many as
teams, is evaluated on their resources (`matches`). A PATCH is applied to the resource as SCIM JSON
(`patch_apply`), so what it asks for is then read the same way as a PUT's body: the shapes identity providers
send — Entra ID's `Replace` with a value object and `"False"` as a string, Okta's `remove` with a
`members[value eq "…"]` path — are all one resource afterwards.
"""

import copy
import logging
from typing import Any

from django.db.models import Q
from scim2_models import Path, ScimFilter
from scim2_models.exceptions import InvalidFilterException, InvalidPathException
from scim2_models.path.expressions import AttrPath, Comparison, LogicalExpr, Not, Present, ValuePath

from .. import addresses, names
from .protocol import CORE_GROUP, CORE_USER, ScimError

# lark, the parser under scim2-models, gives its logger a console handler of its own when imported; its records
# go to the root logger's handlers instead, which redact credentials (alignsite.log_redaction).
logging.getLogger("lark").handlers.clear()

READ_ONLY = {"id", "meta", "schemas", "groups"}


def filter_parsed(text: str):
    """Return a filter's syntax tree, or raise ScimError 400 invalidFilter."""
    try:
        return ScimFilter(text).ast
    except (InvalidFilterException, ValueError, RecursionError) as error:
        raise ScimError(400, f"The filter {text!r} cannot be read: {error}.", "invalidFilter") from None


def _attribute(path: AttrPath) -> str:
    """Return an attribute path as one lower-case name ("name.givenname"), the core schema's URN dropped."""
    name = path.attr if path.uri in (None, CORE_USER, CORE_GROUP) else f"{path.uri}:{path.attr}"
    return (name if path.sub_attr is None else f"{name}.{path.sub_attr}").lower()


def _text_query(field: str, op: str, value: Any) -> Q:
    lookups = {"eq": "iexact", "ne": "iexact", "co": "icontains", "sw": "istartswith", "ew": "iendswith"}
    if op not in lookups or not isinstance(value, str):
        raise ScimError(
            400, f"Only eq, ne, co, sw, ew and pr compare text, with a quoted value; not {op}.", "invalidFilter"
        )
    query = Q(**{f"{field}__{lookups[op]}": value})
    return ~query if op == "ne" else query


def users_query(node) -> Q:
    """Return the people a Users filter selects, as a query. userName (and emails.value) compares addresses as
    Align stores them, in any case; externalId exactly; id, active, displayName as SCIM says."""
    if isinstance(node, LogicalExpr):
        queries = [users_query(term) for term in node.terms]
        combined = queries[0]
        for query in queries[1:]:
            combined = combined & query if node.op.value == "and" else combined | query
        return combined
    if isinstance(node, Not):
        return ~users_query(node.expr)
    if isinstance(node, ValuePath) and _attribute(node.attr_path) == "emails":
        return users_query(_under(node.val_filter, "emails"))
    if isinstance(node, Present):
        field = _USER_FIELDS.get(_attribute(node.attr_path))
        if field is None:
            raise ScimError(400, f"Users cannot be filtered by {_attribute(node.attr_path)}.", "invalidFilter")
        return ~Q(**{field: ""}) if field != "is_active" else Q()
    if not isinstance(node, Comparison):
        raise ScimError(400, "That filter is not supported on Users.", "invalidFilter")
    attribute, op, value = _attribute(node.attr_path), node.op.value, node.value
    if attribute == "username":
        # The userName is the kept one, else the address.
        address = addresses.stored(value) if isinstance(value, str) else value
        by_address = Q(user_name="") & _text_query("email", op, address)
        return by_address | (~Q(user_name="") & _text_query("user_name", op, value))
    if attribute in ("emails.value", "emails"):
        return _text_query("email", op, addresses.stored(value) if isinstance(value, str) else value)
    if attribute in ("emails.type", "emails.primary"):
        # A person's one address is their work address and their primary one, so Entra ID's documented
        # emails[type eq "work"].value eq "…" (read as emails[type eq "work" and value eq "…"]) finds them.
        if op not in ("eq", "ne") or not isinstance(value, str if attribute == "emails.type" else bool):
            raise ScimError(400, f"{attribute} is compared with eq or ne.", "invalidFilter")
        holds = value is True or (isinstance(value, str) and value.lower() in ("work", "primary"))
        every = ~Q(pk__in=[])
        return (every if holds else Q(pk__in=[])) if op == "eq" else (Q(pk__in=[]) if holds else every)
    if attribute in ("displayname", "name.formatted"):
        return _text_query("name", op, value)
    if attribute == "externalid":
        if op not in ("eq", "ne") or not isinstance(value, str):
            raise ScimError(400, "externalId is compared with eq or ne and a quoted value.", "invalidFilter")
        return Q(external_id=value) if op == "eq" else ~Q(external_id=value)
    if attribute == "id":
        if op not in ("eq", "ne") or not isinstance(value, str):
            raise ScimError(400, "id is compared with eq or ne and a quoted value.", "invalidFilter")
        query = Q(pk=int(value)) if value.isascii() and value.isdigit() else Q(pk__in=[])
        return query if op == "eq" else ~query
    if attribute == "active":
        if op not in ("eq", "ne") or not isinstance(value, bool):
            raise ScimError(400, "active is compared with eq or ne and true or false.", "invalidFilter")
        return Q(is_active=value) if op == "eq" else ~Q(is_active=value)
    raise ScimError(400, f"Users cannot be filtered by {node.attr_path.attr}.", "invalidFilter")


_USER_FIELDS = {"username": "email", "externalid": "external_id", "displayname": "name", "active": "is_active"}


def _under(node, parent: str):
    """Return a filter inside brackets (emails[value eq "…"]) with its attributes named under their parent."""
    if isinstance(node, Comparison):
        path = AttrPath(attr=parent, sub_attr=node.attr_path.attr)
        return Comparison(attr_path=path, op=node.op, value=node.value)
    if isinstance(node, LogicalExpr):
        return LogicalExpr(op=node.op, terms=tuple(_under(term, parent) for term in node.terms))
    if isinstance(node, Not):
        return Not(expr=_under(node.expr, parent))
    raise ScimError(400, "That filter is not supported.", "invalidFilter")


def _values(resource: dict[str, Any], attribute: str) -> list[Any]:
    """Return the values an attribute path ("members.value") reaches in a resource, case-insensitively."""
    found: list[Any] = [resource]
    for part in attribute.split("."):
        reached = []
        for value in found:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and (key := _key(item, part)) in item:
                    reached.append(item[key])
        found = reached
    return [item for value in found for item in (value if isinstance(value, list) else [value])]


def _compare(found: Any, op: str, value: Any) -> bool:
    if isinstance(found, str) and isinstance(value, str):
        found, value = names.caseless(found), names.caseless(value)
        return {
            "eq": found == value,
            "ne": found != value,
            "co": value in found,
            "sw": found.startswith(value),
            "ew": found.endswith(value),
        }.get(op, False)
    if op in ("eq", "ne") and type(found) is type(value):
        return (found == value) == (op == "eq")
    return False


def known_only(node, known: set[str]) -> None:
    """Raise ScimError 400 invalidFilter if a filter compares an attribute outside `known` (full names, such as
    "members.value"), even when no resource is there to compare (RFC 7644 §3.4.2.2). A complex attribute compared
    as a whole (`members eq "1"`) is refused too, rather than matching nothing; `members pr` and
    `members[value eq "1"]` are read as members and members.value."""
    if isinstance(node, LogicalExpr):
        for term in node.terms:
            known_only(term, known)
    elif isinstance(node, Not):
        known_only(node.expr, known)
    elif isinstance(node, ValuePath):
        known_only(_under(node.val_filter, _attribute(node.attr_path)), known)
    else:
        attribute = _attribute(node.attr_path)
        present = isinstance(node, Present) and attribute.split(".")[0] in {name.split(".")[0] for name in known}
        if attribute not in known and not present:
            said = ", ".join(sorted(known))
            raise ScimError(400, f"Groups cannot be filtered by {attribute} (only by {said}).", "invalidFilter")


def matches(node, resource: dict[str, Any]) -> bool:
    """Return whether a resource (as SCIM JSON) passes a filter. Text is compared as Align compares names
    (names.caseless: any case, full-width letters, accents typed either way), so `displayName eq` finds a team
    path as every importer does."""
    if isinstance(node, LogicalExpr):
        results = [matches(term, resource) for term in node.terms]
        return all(results) if node.op.value == "and" else any(results)
    if isinstance(node, Not):
        return not matches(node.expr, resource)
    if isinstance(node, ValuePath):
        items = _values(resource, _attribute(node.attr_path))
        return any(matches(node.val_filter, item) for item in items if isinstance(item, dict))
    attribute = _attribute(node.attr_path)
    found = _values(resource, attribute)
    if isinstance(node, Present):
        return any(value not in (None, "", [], {}) for value in found)
    return any(_compare(value, node.op.value, node.value) for value in found) or (node.op.value == "ne" and not found)


def _key(resource: dict[str, Any], name: str) -> str:
    """Return the key of a resource that names an attribute, whatever its case (RFC 7643 §2.1), else the name."""
    lowered = name.lower()
    return next((key for key in resource if key.lower() == lowered), name)


def _path(text: Any):
    if not isinstance(text, str):
        raise ScimError(400, "An operation's path is text.", "invalidPath")
    try:
        return Path(text).ast
    except (InvalidPathException, ValueError, RecursionError) as error:
        raise ScimError(400, f"The path {text!r} cannot be read: {error}.", "invalidPath") from None


def _place(resource: dict[str, Any], path: AttrPath) -> tuple[dict[str, Any], str]:
    """Return the object holding an attribute path's value and its key there, made if missing."""
    holder = resource
    if path.uri not in (None, CORE_USER, CORE_GROUP):
        holder = holder.setdefault(_key(holder, path.uri), {})
        if not isinstance(holder, dict):
            raise ScimError(400, f"{path.uri} is not an object.", "invalidPath")
    key = _key(holder, path.attr)
    if path.sub_attr is None:
        return holder, key
    inner = holder.setdefault(key, {})
    if not isinstance(inner, dict):
        raise ScimError(400, f"{path.attr} has no sub-attributes.", "invalidPath")
    return inner, _key(inner, path.sub_attr)


def _same_item(one: Any, other: Any) -> bool:
    if isinstance(one, dict) and isinstance(other, dict) and "value" in one and "value" in other:
        return str(one["value"]) == str(other["value"])
    return one == other


def _add(holder: dict[str, Any], key: str, value: Any) -> None:
    current = holder.get(key)
    if isinstance(current, list):
        for item in value if isinstance(value, list) else [value]:
            if not any(_same_item(item, existing) for existing in current):
                current.append(item)
    elif isinstance(current, dict) and isinstance(value, dict):
        current.update(value)
    else:
        holder[key] = value


def _operation(resource: dict[str, Any], op: str, path_text: Any, value: Any, *, has_value: bool) -> set[str]:
    """Apply one operation; return the attributes it touched (lower case, "name.givenname")."""
    if path_text is None or path_text == "":
        if op == "remove":
            raise ScimError(400, "A remove operation needs a path.", "noTarget")
        if not isinstance(value, dict):
            raise ScimError(
                400, "An operation without a path takes an object of attributes as its value.", "invalidValue"
            )
        touched: set[str] = set()
        for name, item in value.items():
            if isinstance(name, str) and name.lower() in READ_ONLY:
                continue
            if isinstance(item, dict) and not (name.startswith("urn:") and ":" in name[4:]):
                # {"name": {"givenName": …}}: each sub-attribute is replaced, its siblings kept.
                for sub, sub_value in item.items():
                    touched |= _operation(resource, op, f"{name}.{sub}", sub_value, has_value=True)
            elif isinstance(item, dict):
                for sub, sub_value in item.items():
                    touched |= _operation(resource, op, f"{name}:{sub}", sub_value, has_value=True)
            else:
                touched |= _operation(resource, op, name, item, has_value=True)
        return touched
    node = _path(path_text)
    if op != "remove" and not has_value:
        raise ScimError(400, f"The {op} operation on {path_text} needs a value.", "invalidValue")
    if isinstance(node, ValuePath):
        attribute = _attribute(node.attr_path)
        holder, key = _place(resource, node.attr_path)
        items = holder.get(key)
        items = items if isinstance(items, list) else []
        chosen = [item for item in items if isinstance(item, dict) and matches(node.val_filter, item)]
        if op == "remove":
            if node.sub_attr is None:
                holder[key] = [item for item in items if not any(item is other for other in chosen)]
            for item in chosen if node.sub_attr is not None else []:
                item.pop(_key(item, node.sub_attr), None)
        elif node.sub_attr is not None:
            if not chosen:
                # emails[type eq "work"].value on a person with no work address: that address is added.
                fresh = _equalities(node.val_filter)
                items.append(fresh)
                holder[key] = items
                chosen = [fresh]
            for item in chosen:
                item[_key(item, node.sub_attr)] = value
        else:
            if not chosen:
                raise ScimError(400, f"No value of {node.attr_path.attr} matches {path_text}.", "noTarget")
            if not isinstance(value, dict):
                raise ScimError(400, f"The value for {path_text} is an object.", "invalidValue")
            for item in chosen:
                item.update(value)
        return {attribute} | ({f"{attribute}.{node.sub_attr.lower()}"} if node.sub_attr else set())
    attribute = _attribute(node)
    if attribute.split(".")[0] in READ_ONLY:
        raise ScimError(400, f"{path_text} cannot be changed.", "mutability")
    holder, key = _place(resource, node)
    if op == "remove":
        current = holder.get(key)
        if has_value and isinstance(current, list):
            # Entra ID removes members with a value list: {"op": "Remove", "path": "members", "value": [{…}]}.
            gone = value if isinstance(value, list) else [value]
            holder[key] = [item for item in current if not any(_same_item(item, other) for other in gone)]
        else:
            holder.pop(key, None)
    elif op == "add":
        _add(holder, key, value)
    else:
        holder[key] = value
    return {attribute.split(".")[0], attribute}


def _equalities(node) -> dict[str, Any]:
    if isinstance(node, Comparison) and node.op.value == "eq":
        return {node.attr_path.attr: node.value}
    if isinstance(node, LogicalExpr) and node.op.value == "and":
        return {key: value for term in node.terms for key, value in _equalities(term).items()}
    raise ScimError(400, "Only eq filters, joined by and, can name a value to add.", "invalidPath")


def patch_apply(resource: dict[str, Any], body: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Return a resource with a PatchOp body's operations applied in order, and the attributes they touched.

    Operation names are read in any case (Entra ID sends "Replace"). Raises ScimError 400 for a body that is
    not a PatchOp, an unknown operation, or a path that cannot be read or has no target.
    """
    operations = body.get(_key(body, "Operations"))
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "A PATCH body carries a non-empty list of Operations.", "invalidSyntax")
    patched, touched = copy.deepcopy(resource), set()
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation is an object with op, path and value.", "invalidSyntax")
        op = operation.get(_key(operation, "op"))
        if not isinstance(op, str) or op.lower() not in ("add", "remove", "replace"):
            raise ScimError(400, f"Unknown operation {op!r}: use add, remove or replace.", "invalidSyntax")
        value_key = _key(operation, "value")
        touched |= _operation(
            patched,
            op.lower(),
            operation.get(_key(operation, "path")),
            operation.get(value_key),
            has_value=value_key in operation,
        )
    return patched, touched
