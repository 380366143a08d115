"""The catalogue's own trial file (catalogue/demo/trials.json): registry facts as drafts, and drafts back to JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from catalogue.drafts import TrialDraft
from catalogue.errors import InvalidInput

# ---------------------------------------------------------------------------
# Demo catalogue: JSON of structured facts
# ---------------------------------------------------------------------------

#: Draft fields written to the demo JSON (structured facts and title; never the summary).
DEMO_FIELDS = (
    "registry", "registry_id", "title", "phases", "overall_status", "conditions", "interventions",
    "indication", "indication_category", "lead_sponsor", "countries", "start_date", "last_update",
    "enrollment_count", "enrollment_type", "targets", "target_evidence", "modality", "cell_source",
    "products", "snapshot_date",
)


def draft_to_json(draft: TrialDraft, *, source: str) -> dict[str, Any]:
    """The demo JSON object of a draft: :data:`DEMO_FIELDS` plus ``source``."""
    values = asdict(draft)
    entry = {name: values[name] for name in DEMO_FIELDS}
    entry["source"] = source
    return entry


def load_demo_trials(path: str | Path) -> list[TrialDraft]:
    """The demo catalogue's trials (catalogue/demo/trials.json) as drafts.

    The file is ``{"trials": [entry, ...]}``; each entry has the :data:`DEMO_FIELDS`
    and ``source`` (which becomes ``record_source``).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
    entries = data.get("trials") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InvalidInput("expected {'trials': [...]}", file=str(path))
    known = {f.name for f in fields(TrialDraft)}
    drafts = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("registry_id"):
            raise InvalidInput("a demo trial needs a registry_id", file=str(path), record=f"trial #{index}")
        values = {k: v for k, v in entry.items() if k in known}
        values["record_source"] = entry.get("source")
        values["line"] = index
        try:
            drafts.append(TrialDraft(**values))
        except TypeError as exc:
            raise InvalidInput(f"bad demo trial entry: {exc}", file=str(path), record=entry["registry_id"]) from None
    return drafts
