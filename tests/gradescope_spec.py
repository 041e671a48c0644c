"""Gradescope's ``results.json`` specification as a check: every way a result departs from it.

Written from https://gradescope-autograders.readthedocs.io/en/latest/specs/ (output format,
"Controlling Test Case Visibility") and .../leaderboards/: jsonschema is not a dependency, so
a small structural check stands in for a schema. Beyond types it checks the rules in the
prose: a score at the top level or on every test, visibility words, test status, leaderboard
order, and that a ``hidden`` test carries no points (hidden tests "should only be used for
tests which don't contribute points to the total", since students still see the total).
"""

from __future__ import annotations

VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
NUMBER = (int, float)
TOP = {
    "score": NUMBER,
    "execution_time": NUMBER,
    "output": str,
    "visibility": str,
    "stdout_visibility": str,
    "extra_data": dict,
    "tests": list,
    "leaderboard": list,
    "output_format": str,
    "test_output_format": str,
    "test_name_format": str,
}
TEST = {
    "score": NUMBER,
    "max_score": NUMBER,
    "status": str,
    "name": str,
    "name_format": str,
    "number": str,
    "output": str,
    "output_format": str,
    "tags": list,
    "visibility": str,
    "extra_data": dict,
}
LEADER = {"name": str, "value": (int, float, str), "order": str}


def spec_problems(result) -> list[str]:
    """Every way ``result`` departs from the spec; empty when it conforms."""
    problems = _fields("top level", result, TOP)
    if "score" not in result and not all("score" in t for t in result.get("tests", [])):
        problems.append("a score is required at the top level or on every test")
    for key in ("visibility", "stdout_visibility"):
        if key in result and result[key] not in VISIBILITIES:
            problems.append(f"{key}: {result[key]!r} is not a visibility")
    for i, test in enumerate(result.get("tests", [])):
        problems += _fields(f"tests[{i}]", test, TEST)
        if test.get("status", "passed") not in ("passed", "failed"):
            problems.append(f"tests[{i}].status must be passed or failed")
        if test.get("visibility", "visible") not in VISIBILITIES:
            problems.append(f"tests[{i}].visibility is not a visibility")
        if test.get("visibility") == "hidden" and (test.get("score") or test.get("max_score")):
            problems.append(f"tests[{i}] is hidden but carries points")
    for i, entry in enumerate(result.get("leaderboard", [])):
        problems += _fields(f"leaderboard[{i}]", entry, LEADER, required=("name", "value"))
        if entry.get("order", "desc") not in ("asc", "desc"):
            problems.append(f"leaderboard[{i}].order must be asc or desc")
    return problems


def _fields(where, obj, types, required=()) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{where}: expected an object"]
    problems = [f"{where}: unknown key {k!r}" for k in obj if k not in types]
    problems += [
        f"{where}.{k}: wrong type {type(v).__name__}"
        for k, v in obj.items()
        if k in types and (not isinstance(v, types[k]) or isinstance(v, bool))
    ]
    return problems + [f"{where}: missing {k!r}" for k in required if k not in obj]
