# firebus — fire-safety IoT SDK.
"""A small JSON Schema 2020-12 validator for the keywords firebus's schemas use
(protocols/alarm-rules.schema.json, protocols/profile.schema.json): type, const, enum, minimum,
maximum, exclusiveMinimum, minLength, maxLength, pattern, minItems, maxItems, uniqueItems, items,
required, properties, additionalProperties (false), anyOf, if/then and local $ref.
Standard library only: used by the pytest tests and by the standalone check_profiles.py.
"""

import json
import math
import re


def schema_errors(instance, schema, root=None, path="$"):
    """A small JSON Schema 2020-12 validator for the keywords the profile schema uses
    (copied from tests/python/test_cli_alarm.py)."""
    root = root if root is not None else schema
    errors = []
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/"), ref
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        errors += schema_errors(instance, target, root, path)

    def is_type(v, t):
        if t == "object":
            return isinstance(v, dict)
        if t == "array":
            return isinstance(v, list)
        if t == "string":
            return isinstance(v, str)
        if t == "boolean":
            return isinstance(v, bool)
        if t == "null":
            return v is None
        if t == "number":
            return isinstance(v, (int, float)) and not isinstance(v, bool)
        if t == "integer":
            return is_type(v, "number") and math.isfinite(v) and float(v).is_integer()
        raise AssertionError(f"type {t}")

    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(is_type(instance, t) for t in types):
            return errors + [f"{path}: not of type {types}"]
    if "const" in schema and (instance != schema["const"] or
                              isinstance(instance, bool) != isinstance(schema["const"], bool)):
        errors.append(f"{path}: not {schema['const']!r}")
    if "enum" in schema and not any(instance == e and isinstance(instance, bool) == isinstance(e, bool)
                                    for e in schema["enum"]):
        errors.append(f"{path}: not one of {schema['enum']}")
    if is_type(instance, "number"):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{path}: below minimum {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{path}: above maximum {schema['maximum']}")
        if "exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"]:
            errors.append(f"{path}: not above {schema['exclusiveMinimum']}")
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
        if "maxLength" in schema and len(instance) > schema["maxLength"]:
            errors.append(f"{path}: too long")
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            errors.append(f"{path}: does not match {schema['pattern']}")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: too few items")
        if "maxItems" in schema and len(instance) > schema["maxItems"]:
            errors.append(f"{path}: too many items")
        if schema.get("uniqueItems") and len({json.dumps(x) for x in instance}) != len(instance):
            errors.append(f"{path}: items not unique")
        if "items" in schema:
            for i, x in enumerate(instance):
                errors += schema_errors(x, schema["items"], root, f"{path}[{i}]")
    if isinstance(instance, dict):
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: missing {key}")
        props = schema.get("properties", {})
        for key, value in instance.items():
            if key in props:
                errors += schema_errors(value, props[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unknown key {key}")
    if "anyOf" in schema and all(schema_errors(instance, s, root, path) for s in schema["anyOf"]):
        errors.append(f"{path}: matches no anyOf branch")
    if "if" in schema and not schema_errors(instance, schema["if"], root, path):
        errors += schema_errors(instance, schema.get("then", {}), root, path)
    return errors
