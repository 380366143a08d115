"""A construct's architecture: proposed by a pure function from a chain's domains, accepted by a curator.

The proposal (catalogue.detect.architecture) is checked on the real approved CARs; the acceptance
(curation.accept_architecture) on both backends: it reads the record's stored domains, curated ones first,
proposes outside any transaction and writes in a short one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from Bio import SeqIO

from catalogue import curation, read
from catalogue.detect.architecture import (
    ArchitectureProposal,
    main_chain,
    part_name,
    proposal_from_detection,
    propose_architecture,
)
from catalogue.detect.domains import detect_domains
from catalogue.drafts import DomainDraft

CILTA = "Ciltacel_Oezdemirli.fasta"
AXI = "Axicel_HM852952.fasta"


def _sequence(shared_data: Path, name: str) -> str:
    return str(SeqIO.read(shared_data / "sequences" / name, "fasta").seq).upper()


@pytest.mark.parametrize("file_name, molecule, expected", [
    (AXI, "DNA", dict(binder_format="scFv", hinge="CD28", transmembrane="CD28", costimulatory=["CD28"],
                      signalling="CD3ζ", generation=2)),
    ("Ciltacel_Oezdemirli_protein_translated.fasta", "protein",
     dict(binder_format="VHH", hinge="CD8α", transmembrane="CD8α", costimulatory=["4-1BB"], signalling="CD3ζ",
          generation=2)),
])
def test_the_proposal_of_a_real_car_is_its_known_architecture(shared_data, file_name, molecule, expected):
    proposal = proposal_from_detection(detect_domains(_sequence(shared_data, file_name), molecule))
    assert isinstance(proposal, ArchitectureProposal)
    assert proposal.construct_fields() == expected
    with pytest.raises(AttributeError):
        proposal.hinge = "IgG4"  # type: ignore[misc]  (frozen)


def test_part_labels_become_field_values():
    assert part_name("hinge", "CD8α hinge") == "CD8α"
    assert part_name("transmembrane", "CD28 transmembrane") == "CD28"
    assert part_name("hinge", "IgG4 hinge-CH2-CH3") == "IgG4 hinge-CH2-CH3"  # not a suffix: kept whole
    assert part_name("costimulatory", "4-1BB") == "4-1BB"
    assert propose_architecture([]) == ArchitectureProposal()
    assert ArchitectureProposal().construct_fields() == {}


def test_stored_domains_split_into_chains_like_detection(shared_data):
    """The main chain of stored domains (frame and place along the chain) is the one detection chose."""
    vector = detect_domains(_sequence(shared_data, "lentiviral_vector_tisacel.fasta"), "DNA")
    assert main_chain(vector.domains) == vector.domains_of(vector.main_chain)
    axi = detect_domains(_sequence(shared_data, AXI), "DNA").domains
    cilta = detect_domains(_sequence(shared_data, CILTA), "DNA").domains
    # two chains stored one after the other: the second starts again at the beginning of its protein
    assert main_chain(cilta[:3] + axi) == axi
    assert main_chain(axi + cilta[:3]) == axi
    assert main_chain(axi + cilta) == (cilta if len(cilta) > len(axi) else axi)  # equally long: the first
    assert main_chain([]) == []


def _import(engine, shared_data, file_name, construct, **options):
    path = shared_data / "sequences" / file_name
    report = curation.import_sequences(engine, curation.local_operator(), path.name, path.read_bytes(),
                                       construct=construct, **options)
    assert report.ok, report.error
    return read.construct_detail(engine, construct)["sequence_records"][-1]


def test_curated_domains_win_over_detected_ones(engine, shared_data):
    actor = curation.local_operator()
    record = _import(engine, shared_data, CILTA, "cilta-cel")
    curated = [DomainDraft(kind=d["kind"], label=d["label"], start=d["start"], end=d["end"])
               for d in record["domains"] if d["source"] == "detected"]
    for domain in curated:  # a curator says the hinge and TM are CD28's, not CD8α's
        if domain.kind in ("hinge", "transmembrane"):
            domain.label = domain.label.replace("CD8α", "CD28")
    curation.set_curated_domains(engine, actor, record["id"], curated, expected_version=record["version"])
    changed = curation.accept_architecture(engine, actor, "cilta-cel")
    assert (changed["hinge"], changed["transmembrane"], changed["binder_format"]) == ("CD28", "CD28", "VHH")
    event = read.audit_events(engine, entity_kind="construct", entity_key="cilta-cel", limit=1)[0]
    assert event["action"] == "accept architecture" and event["summary"].startswith("from curated domains of")


def test_a_record_imported_without_detection_is_detected_at_acceptance(engine, shared_data):
    record = _import(engine, shared_data, AXI, "axi-cel", detect=False)
    assert not [d for d in record["domains"] if d["source"] == "detected"]
    changed = curation.accept_architecture(engine, curation.local_operator(), "axi-cel")
    assert changed == {"hinge": "CD28", "transmembrane": "CD28", "costimulatory": ["CD28"], "signalling": "CD3ζ",
                       "binder_format": "scFv", "generation": 2}
    before = read.row_counts(engine)
    assert curation.accept_architecture(engine, curation.local_operator(), "axi-cel") == {}
    assert read.row_counts(engine) == before  # accepting the same again writes nothing, not even an event


def test_accepting_needs_a_curator_and_a_record(engine, shared_data):
    from catalogue.drafts import ConstructDraft

    curation.save_construct(engine, curation.local_operator(), ConstructDraft(name="bare", targets=["CD7"]))
    with pytest.raises(curation.InvalidInput, match="no sequence record"):
        curation.accept_architecture(engine, curation.local_operator(), "bare")
    with pytest.raises(curation.PermissionDenied):
        curation.accept_architecture(engine, curation.Actor("vic", "viewer"), "bare")
    with pytest.raises(curation.NotFound):
        curation.accept_architecture(engine, curation.local_operator(), "no such construct")
