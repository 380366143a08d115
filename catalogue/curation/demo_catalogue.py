"""Loading the shipped demo catalogue in one transaction, composed of the units of the other modules."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from catalogue import db
from catalogue.curation.actors import Actor, require
from catalogue.curation.constructs import upsert_construct, upsert_programme, upsert_target
from catalogue.curation.patients_treated import record_result
from catalogue.curation.programme_candidates import propose_candidate
from catalogue.curation.sequences import write_sequences
from catalogue.curation.trial_corrections import link_curated
from catalogue.curation.trials import write_trials
from catalogue.prepare.files import prepare_sequences


def load_demo(engine: Engine, actor: Actor) -> dict[str, dict[str, int]]:
    """Load the shipped demo catalogue in one transaction. A second run changes nothing."""
    require(actor, "admin", "load the demo catalogue")
    from catalogue import demo

    catalogue = demo.read_demo_catalogue()
    tally: dict[str, dict[str, int]] = {}

    def count(kind: str, outcome: str) -> None:
        tally.setdefault(kind, {}).setdefault(outcome, 0)
        tally[kind][outcome] += 1

    with db.write_session(engine) as session:
        for target in catalogue.targets:
            count("targets", upsert_target(session, actor, target))
        for programme in catalogue.programmes:
            count("programmes", upsert_programme(session, actor, programme))
        for construct in catalogue.constructs:
            count("constructs", upsert_construct(session, actor, construct))
        session.flush()
        for outcome in write_trials(session, actor, catalogue.trials):
            count("trials", outcome.outcome)
        for registry_id, construct_name in catalogue.trial_links:
            count("trial links", link_curated(session, actor, registry_id, construct_name))
        for result in catalogue.published_results:
            count("published results", record_result(session, actor, result))
        for proposal in catalogue.candidates:
            count("programme candidates", propose_candidate(session, actor, proposal))
        for sequence_file in catalogue.sequence_files:
            prepared = prepare_sequences(sequence_file.path.name, sequence_file.path.read_bytes())
            for outcome in write_sequences(session, actor, prepared, sequence_file.construct):
                count("sequence records", outcome.outcome)
    return tally


def describe_outcomes(tally: dict[str, dict[str, int]]) -> str:
    return "; ".join(f"{kind}: " + ", ".join(f"{n} {o}" for o, n in sorted(c.items())) for kind, c in tally.items())
