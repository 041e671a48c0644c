"""Where a run's network came from when the submission was an index.js.

The worker puts the recording's provenance in a record's ``settings["source"]`` (language,
dialect, each layer's source line, notes). Settings cross from the sandbox, so every field
is type-checked here before it is shown; anything malformed is left out.
"""

from __future__ import annotations

import json


def _source(settings: dict) -> dict:
    source = settings.get("source") if isinstance(settings, dict) else None
    return source if isinstance(source, dict) else {}


def source_notes(settings: dict) -> list[str]:
    """What the reports say about an index.js run (nothing for other submissions)."""
    source = _source(settings)
    if source.get("language") != "javascript":
        return []
    head = (
        f"index.js ({source.get('dialect')}), recorded and trained as the Model Builder "
        "layers it builds"
    )
    return [head] + [str(note) for note in source.get("notes", []) if isinstance(note, str)]


def layer_lines(settings: dict) -> list[str]:
    """One line per layer, with the index.js line that made it where known."""
    layers = settings.get("layers") if isinstance(settings, dict) else None
    if not isinstance(layers, list):
        return []
    sources = _source(settings).get("layer_sources")
    sources = sources if isinstance(sources, list) and len(sources) == len(layers) else None
    lines = [json.dumps(layer) for layer in layers]
    if sources is None:
        return lines
    return [
        f"{line}  # index.js line {s.get('where')} ({s.get('call')})"
        if isinstance(s, dict)
        else line
        for line, s in zip(lines, sources, strict=True)
    ]
