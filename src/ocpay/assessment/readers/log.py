"""Reader for a captured OCPP-J message log: JSON Lines of entries, or a JSON array of them.

An entry is ``{"timestamp", "station", "direction", "message"}``; ``message`` is the frame array,
or that array as a JSON string. Unreadable lines are reported as problems and the rest is read.
"""

from __future__ import annotations

import json
from typing import Any

from ocpay.assessment.evidence import Documentation, DocumentError, Evidence, Problem, parse_json
from ocpay.assessment.readers.frames import Pairing, observe_log_entry


def read_log(source: str, text: str) -> Documentation:
    """The frames of a message log with their answers paired; DocumentError when no entry can be read."""
    doc = Documentation(source=source, kind="log")
    pairing = Pairing()
    for evidence, item in _entries(source, text, doc):
        try:
            observed = observe_log_entry(item, evidence)
        except ValueError as exc:
            doc.problems.append(Problem(evidence.where(), str(exc), evidence.line))
            continue
        doc.messages.append(observed)
        pairing.add(observed)
    if not doc.messages:
        first = f" ({doc.problems[0].where}: {doc.problems[0].reason})" if doc.problems else ""
        raise DocumentError(f"{source}: not a message log: no entry could be read{first}")
    return doc


def _entries(source: str, text: str, doc: Documentation) -> list[tuple[Evidence, Any]]:
    """The log's entries with where each was read; lines that are not JSON become problems of `doc`."""
    if text.lstrip().startswith("["):
        try:
            array = parse_json(text)
        except ValueError as exc:
            raise DocumentError(f"{source}: not a message log: the JSON array cannot be read ({exc})") from None
        if not isinstance(array, list):
            raise DocumentError(f"{source}: not a message log")
        return [(Evidence(source, entry=i), item) for i, item in enumerate(array, start=1)]
    entries: list[tuple[Evidence, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append((Evidence(source, line=number), parse_json(line)))
        except ValueError as exc:
            reason = f"not JSON ({exc.msg})" if isinstance(exc, json.JSONDecodeError) else str(exc)
            doc.problems.append(Problem(f"{source} line {number}", reason, number))
    return entries
