"""Generated descriptions of the file format: the JSON Schema and the reference table.

:func:`json_schema` is the JSON Schema (draft 2020-12) of experiment files, for editors;
it follows the registered design kinds. :func:`scenario_keys_table` and
:func:`design_keys_table` are the Markdown tables of every ``[scenario]`` and ``[design]``
key that ``docs/reference/experiment-files.md`` embeds (tests keep them identical).
"""
from __future__ import annotations

import dataclasses
from typing import Any

from .parameters import parameter_names, sections
from .schema import RANGE_SCHEMA, Experiment, design_model

__all__ = ["json_schema", "scenario_keys_table", "design_keys_table"]


def _scenario_schema() -> dict:
    from ..world.mechanisms import REGISTRY

    kinds = {"int": {"type": "integer"}, "float": {"type": "number"}, "str": {"type": "string"},
             "bool": {"type": "boolean"}}
    names = parameter_names()
    props: dict[str, Any] = {}
    from ..world.scenario import scenario_keys

    for key in scenario_keys():
        if key in REGISTRY:
            cls = REGISTRY[key]
            sub = {n.split(".", 1)[1]: kinds.get(k, {}) for n, k in names.items() if n.startswith(key + ".")}
            props[key] = {"type": "object", "additionalProperties": False, "properties": sub,
                          "description": f"{cls.HYPOTHESIS} {cls.NAME}: {cls.PREDICTION}"}
        elif key == "strategies":
            props[key] = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}
        elif key in ("game_params", "structure_params"):
            props[key] = {"type": "object"}
        else:
            props[key] = dict(kinds.get(names[key], {}))
    return {"type": "object", "additionalProperties": False, "properties": props,
            "description": "[scenario]: the base scenario; mechanism sub-tables such as [scenario.regime]"}


def json_schema() -> dict:
    """JSON Schema (draft 2020-12) of experiment files, for editors (e.g. Taplo / Even Better TOML)."""
    schema = Experiment.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "coopsim experiment file"
    schema["description"] = ("An experiment: [experiment], [scenario], optionally [design] and [quick]. "
                             "See docs/reference/experiment-files.md.")
    schema["properties"]["scenario"] = _scenario_schema()
    design = design_model().model_json_schema(ref_template="#/$defs/{model}")
    schema.setdefault("$defs", {}).update(design.pop("$defs", {}))
    schema["$defs"]["DesignSection"] = design
    schema["properties"]["design"] = {"anyOf": [{"$ref": "#/$defs/DesignSection"}, {"type": "null"}],
                                      "default": None,
                                      "description": Experiment.model_fields["design"].description}
    # mechanism parameters may be written as TOML dotted keys, i.e. nested tables
    value = {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}]}
    values = {"type": "array", "items": value, "minItems": 1}

    def sectioned(leaf: dict, description: str) -> dict:
        return {"type": "object", "description": description, "additionalProperties": leaf,
                "properties": {sec: {"type": "object", "additionalProperties": leaf} for sec in sections()}}

    defs = schema["$defs"]
    for model in ("DesignSection", "QuickSection"):
        props = defs[model]["properties"]
        props["parameters"] = sectioned(values, "parameter -> array of values")
        props["points"] = {"type": "array", "description": "array of tables of parameter values",
                           "items": sectioned(value, "a point's parameter values")}
    defs["DesignSection"]["properties"]["ranges"] = sectioned(RANGE_SCHEMA, "parameter -> [low, high] or "
                                                                             "{low, high, integer, log}")
    defs["QuickSection"]["properties"]["scenario"] = {"type": "object", "description": "scenario overrides"}
    return schema


def scenario_keys_table() -> str:
    """Markdown table of every ``[scenario]`` key of the schema (mechanism sub-tables
    included) with its JSON type and its default; the reference page embeds it and a test
    keeps the two identical."""
    from ..world.mechanisms import REGISTRY
    from ..world.scenario import Scenario

    def kind(node: dict) -> str:
        if "anyOf" in node:
            return " or ".join(kind(n) for n in node["anyOf"])
        if node.get("type") == "array":
            return f"array of {kind(node.get('items', {}))}"
        return str(node.get("type", "any"))

    def default(field) -> str:
        if field.default is not dataclasses.MISSING:
            value = field.default
        elif field.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            value = field.default_factory()  # type: ignore[misc]
        else:
            return "required"
        return "(none)" if value is None else f"`{value!r}`".replace("'", '"')

    scenario = _scenario_schema()["properties"]
    fields = {f.name: f for f in dataclasses.fields(Scenario)}
    rows = ["| key | type | default |", "|---|---|---|"]
    for key, node in scenario.items():
        if key in REGISTRY:
            mech = {f.name: f for f in dataclasses.fields(REGISTRY[key])}
            for sub, subnode in node["properties"].items():
                rows.append(f"| `{key}.{sub}` | {kind(subnode)} | {default(mech[sub])} |")
        else:
            rows.append(f"| `{key}` | {kind(node)} | {default(fields[key])} |")
    return "\n".join(rows)


def design_keys_table() -> str:
    """Markdown table of every ``[design]`` key of the registered design kinds: which kinds
    read it and what it holds; the reference page embeds it and a test keeps the two
    identical."""
    from .designs import registry

    names = [f"`{n}`" for n in registry.names()]
    rows = ["| key | kinds | meaning |", "|---|---|---|",
            f"| `kind` | all | {', '.join(names[:-1])} or {names[-1]} |" if len(names) > 1 else
            f"| `kind` | all | {names[0]} |"]
    for key, meaning in registry.INPUTS.items():
        rows.append(f"| `{key}` | {', '.join(registry.users(key)) or '(none)'} | {meaning} |")
    for key in registry.option_names():
        declared = [(k.name, k.option(key)) for k in registry.kinds() if k.option(key) is not None]
        aliases = "".join(f" (`{a}`)" for a in declared[0][1].aliases)
        groups: dict[str, list[str]] = {}
        for kind, opt in declared:
            groups.setdefault(opt.description, []).append(kind)
        meaning = (next(iter(groups)) if len(groups) == 1
                   else "; ".join(f"{', '.join(ks)}: {text}" for text, ks in groups.items()))
        rows.append(f"| `{key}`{aliases} | {', '.join(k for k, _ in declared)} | {meaning} |")
    return "\n".join(rows)
