"""The one error of experiment files, and the translation of pydantic's errors into it.

Every problem is an :class:`ExperimentError` whose message is one line naming the file,
the key path (``design.parameters."regime.monitorin"``), the bad value and what is
allowed. :func:`from_validation_error` turns pydantic's ``ValidationError`` (of the models
in :mod:`~coopsim.experiments.schema`) into one such line.
"""
from __future__ import annotations

import difflib
import json
import re
import types
import typing
from typing import TYPE_CHECKING, Annotated, Any

from .._validation import ParameterError

if TYPE_CHECKING:
    from pydantic import BaseModel, ValidationError

__all__ = ["ExperimentError", "key_path", "show", "not_allowed", "from_validation_error", "scan_nesting",
           "check_nesting", "MAX_DEPTH"]


# ============================================================================ the error
class ExperimentError(ParameterError):
    """An experiment file (or experiment) is not valid; the message is one line:
    ``<file>: <key path>: <value> is not allowed: <what is allowed>``.

    A :class:`coopsim.ParameterError` (so a ``ValueError``) with ``file``, ``path``,
    ``value`` and ``allowed`` attributes.
    """

    def __init__(self, file: str | None, path: str, problem: str, *, value: Any = None, allowed: str = ""):
        self.file, self.path, self.problem = file, path, problem
        self.name, self.value, self.allowed = path, value, allowed
        where = ": ".join(p for p in (file or "<experiment>", path) if p)
        message = f"{where}: {problem}"
        ValueError.__init__(self, " ".join(message.split()))  # one line, always

    def __reduce__(self):  # picklable across processes
        return (_rebuild_error, (self.file, self.path, self.problem, self.value, self.allowed))


def _rebuild_error(file, path, problem, value, allowed):
    return ExperimentError(file, path, problem, value=value, allowed=allowed)


def show(value: Any, limit: int = 60) -> str:
    """A value as the user wrote it (TOML/JSON-like), shortened."""
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def key_path(*parts: Any) -> str:
    """A TOML key path: ``design.parameters."regime.monitoring"``, ``design.points[2]``."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif isinstance(p, str) and p.startswith("[") and p.endswith("]"):
            out += p
        else:
            s = str(p)
            seg = s if _BARE.match(s) else json.dumps(s)
            out += ("." if out else "") + seg
    return out


def not_allowed(value: Any, allowed: str) -> str:
    return f"{show(value)} is not allowed: {allowed}"

# ============================================================================ pydantic errors
_TYPE_WORDS = {
    "int_type": "an integer", "int_parsing": "an integer", "int_from_float": "an integer",
    "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
    "bool_parsing": "true or false", "string_type": "a string", "dict_type": "a table",
    "list_type": "an array", "model_type": "a table", "model_attributes_type": "a table",
}


def _model_at(loc: tuple, root: type[BaseModel]) -> Any:
    """The annotation (model class, dict, list ...) found by walking ``loc`` from ``root``.

    A model whose field is validated by a model built at run time (the ``[design]`` table,
    whose keys come from the registered design kinds) names it by a ``field_model(name)``
    class method.
    """
    from pydantic import BaseModel

    ann: Any = root
    for seg in loc:
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            dynamic = getattr(ann, "field_model", None)
            built = dynamic(seg) if dynamic is not None and isinstance(seg, str) else None
            if built is not None:
                ann = built
                continue
            field = ann.model_fields.get(seg) if isinstance(seg, str) else None
            if field is None:
                field = next((f for f in ann.model_fields.values() if f.validation_alias is not None
                              and seg in getattr(f.validation_alias, "choices", [])), None)
            if field is None:
                return None
            ann = field.annotation
        else:
            origin = typing.get_origin(ann)
            args = typing.get_args(ann)
            if origin is dict:
                ann = args[1]
            elif origin is list:
                ann = args[0]
            else:
                return None
    return _unwrap(ann)


def _unwrap(ann: Any) -> Any:
    from pydantic import BaseModel

    while True:
        origin = typing.get_origin(ann)
        if origin is Annotated:
            ann = typing.get_args(ann)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(ann) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            ann = models[0] if models else args[0] if len(args) == 1 else ann
            if ann is not args[0] and not models:
                return ann
        else:
            return ann


def _describe(loc: tuple, root: type[BaseModel]) -> str:
    from pydantic import BaseModel

    parent = _model_at(loc[:-1], root)
    if isinstance(parent, type) and issubclass(parent, BaseModel) and isinstance(loc[-1], str):
        f = parent.model_fields.get(loc[-1])
        if f is not None and f.description:
            return f.description
    return ""


def from_validation_error(err: ValidationError, source: str | None, root: type[BaseModel]) -> ExperimentError:
    """The first problem of ``err`` (raised validating ``root``) as a one-line error."""
    from pydantic import BaseModel

    errors = err.errors(include_url=False)
    # report missing top-level tables first, then the first problem in file order
    # (an unknown key explains a missing one better than the other way round)
    errors.sort(key=lambda e: (len(e["loc"]) != 1 or e["type"] != "missing", e["type"] != "extra_forbidden"))
    e = errors[0]
    loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and (x.startswith("function-") or x in
                                                                    ("list[...]",))))
    path = key_path(*loc)
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    typ, value = e["type"], e.get("input")
    if typ == "missing":
        what = _describe(loc, root)
        if len(loc) == 1:
            problem = f"missing table [{loc[0]}]" + (f" ({what})" if what else "")
        else:
            problem = "missing" + (f"; required: {what}" if what else "")
        return ExperimentError(source, path, problem + more)
    if typ == "extra_forbidden":
        parent = _model_at(loc[:-1], root)
        allowed = list(parent.model_fields) if isinstance(parent, type) and issubclass(parent, BaseModel) else []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        where = f"[{key_path(*loc[:-1])}]" if loc[:-1] else "the top level"
        problem = (f"unknown key in {where}; allowed: " + ", ".join(allowed)
                   + (f" (did you mean {hint[0]!r}?)" if hint else ""))
        return ExperimentError(source, path, problem + more, value=value, allowed=", ".join(allowed))
    ctx = e.get("ctx") or {}
    if loc and loc[-1] in ("int", "float", "str", "bool"):  # a design value (a union of scalars)
        loc = loc[:-1]
        path = key_path(*loc)
        others = [x for x in errors if tuple(x["loc"])[:len(loc)] != loc]
        more = f" (and {len(others)} more problem{'s' if len(others) > 1 else ''})" if others else ""
        allowed = "a number, a string or a boolean (design values are single values)"
        return ExperimentError(source, path, not_allowed(value, allowed) + more, value=value, allowed=allowed)
    if len(loc) == 3 and loc[1] == "ranges" and typ in ("model_type", "model_attributes_type"):
        allowed = "a range [low, high] or a table {low, high, integer, log}"
        return ExperimentError(source, path, not_allowed(value, allowed) + more, value=value, allowed=allowed)
    if typ in _TYPE_WORDS:
        allowed = _TYPE_WORDS[typ]
    elif typ == "literal_error":
        allowed = "one of " + str(ctx.get("expected", ""))
    elif typ in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[typ]
        bound = next(iter(ctx.values()))
        what = "an integer" if isinstance(value, int) and not isinstance(value, bool) else "a number"
        allowed = f"{what} {sign} {bound}"
    elif typ == "string_pattern_mismatch":
        allowed = _describe(loc, root) or f"a string matching {ctx.get('pattern')}"
    elif typ in ("string_too_short", "too_short"):
        allowed = "a non-empty value"
    else:
        msg = e["msg"]
        allowed = msg.removeprefix("Value error, ")
        allowed = allowed[:1].lower() + allowed[1:]
    what = _describe(loc, root)
    if what and what != allowed and typ != "string_pattern_mismatch":
        allowed += f" ({what})"
    return ExperimentError(source, path, not_allowed(value, allowed) + more, value=value, allowed=allowed)



# ============================================================================ nesting
#: deepest nesting of tables and arrays an experiment document may have (the deepest
#: legitimate one, design.points[i].regime.monitoring under [design], is 4 levels)
MAX_DEPTH = 12


def scan_nesting(text: str, source: str | None, limit: int = MAX_DEPTH) -> None:
    """Refuse TOML text whose arrays / inline tables nest deeper than ``limit`` (before
    parsing it: tomllib recurses once per level), naming the key that holds them."""
    depth = 0
    i, n = 0, len(text)
    table, key, in_value = "", "", False
    while i < n:
        c = text[i]
        if c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if c == '"' and text[j] == "\\":
                    j += 1
                elif len(quote) == 1 and text[j] == "\n":
                    break
                j += 1
            if not in_value and depth == 0:
                key += text[i:j + len(quote)]
            i = j + len(quote)
            continue
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "\n" and depth == 0:
            key, in_value = "", False
        elif depth == 0 and not in_value and c == "[" and not key.strip():
            j = text.find("\n", i)
            table = text[i:n if j < 0 else j].split("#", 1)[0].strip().strip("[]").strip()
            i = n if j < 0 else j
            continue
        elif depth == 0 and not in_value:
            if c == "=":
                in_value = True
            else:
                key += c
        elif c in "[{":
            depth += 1
            if depth > limit:
                path = ".".join(p for p in (table, key.strip()) if p)
                hint = " (a design value is a single number, string or boolean)" if path.startswith(
                    ("design", "quick")) else ""
                raise ExperimentError(source, path, f"arrays or inline tables nested more than {limit} levels deep "
                                                    f"are not allowed: at most {limit} levels{hint}")
        elif c in "]}":
            depth = max(0, depth - 1)
        i += 1


def check_nesting(data: Any, source: str | None, limit: int = MAX_DEPTH) -> None:
    """Refuse parsed data (tables and arrays) nested deeper than ``limit``, and integers
    beyond 64 bits, naming the key path (iterative: no recursion whatever the depth)."""
    stack: list[tuple[Any, tuple, int]] = [(data, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > limit:
            raise ExperimentError(source, key_path(*path[:limit]) + "...", f"tables or arrays nested more than "
                                  f"{limit} levels deep are not allowed: at most {limit} levels")
        if isinstance(value, int) and not isinstance(value, bool) and not -2 ** 63 <= value < 2 ** 63:
            raise ExperimentError(source, key_path(*path), not_allowed(value, "a 64-bit integer, from -2**63 to "
                                                                              "2**63 - 1 (TOML's integers)"),
                                  value=value)
        if isinstance(value, dict):
            stack.extend((v, path + (str(k),), depth + 1) for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((v, path + (i,), depth + 1) for i, v in enumerate(value))
