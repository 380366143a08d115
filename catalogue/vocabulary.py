"""The catalogue's vocabulary: how phases, statuses, unknown values and registry links are worded, everywhere."""

from __future__ import annotations

# --- labels shared by the pages and the charts --------------------------------------------

NOT_RECORDED = "not recorded"

_PHASE_WORDS = {
    "EARLY_PHASE1": "Early phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "Not applicable",
}
PHASE_ORDER = (
    "Early phase 1", "Phase 1", "Phase 1/2", "Phase 2", "Phase 2/3", "Phase 3", "Phase 4",
    "Not applicable", NOT_RECORDED,
)  # fmt: skip
_PHASE_CODES = {"Phase 1/2": ("PHASE1", "PHASE2"), "Phase 2/3": ("PHASE2", "PHASE3")}


def phase_label(phases: list[str] | None) -> str:
    """A registry phase set as people say it: ``["PHASE1", "PHASE2"]`` is "Phase 1/2"."""
    if not phases:
        return NOT_RECORDED
    codes = sorted(set(phases))
    if codes == ["PHASE1", "PHASE2"]:
        return "Phase 1/2"
    if codes == ["PHASE2", "PHASE3"]:
        return "Phase 2/3"
    return " + ".join(_PHASE_WORDS.get(code, code.replace("_", " ").capitalize()) for code in codes)


def status_label(status: str | None) -> str:
    """A registry status as words: ``ACTIVE_NOT_RECRUITING`` is "Active, not recruiting"."""
    if not status:
        return NOT_RECORDED
    words = status.replace("_", " ").lower().capitalize()
    return words.replace("active not recruiting", "active, not recruiting").replace(
        "Active not recruiting", "Active, not recruiting"
    )


def registry_url(registry: str | None, registry_id: str) -> str | None:
    """The public page of a trial in its registry (or its WHO ICTRP record where the registry has no page
    addressed by the ID); the registries and their URLs are in ``catalogue/reference/registries.toml``."""
    from catalogue.parse.registry_ids import registry_url as url_of

    return url_of(registry, registry_id)


def registry_names() -> list[str]:
    """The registries the catalogue knows (ClinicalTrials.gov, ChiCTR, EU CTR, CTIS, jRCT, ...), in table order."""
    from catalogue.parse.registry_ids import registries

    return [registry.name for registry in registries()]


def uniprot_url(accession: str | None) -> str | None:
    return f"https://www.uniprot.org/uniprotkb/{accession}/entry" if accession else None
