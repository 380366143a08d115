"""Find by sequence and compare side by side, on the demo with the approved FMC63 products' real sequences.

The demo's tisa-cel and axi-cel get their CAR files from ../shared/data (US 9,499,629 B2 SEQ ID NO:8 and
GenBank HM852952); ide-cel and cilta-cel theirs too, as constructs with another binder.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalogue import curation, db, read
from catalogue.db.models import SequenceRecord, SequenceSegment
from catalogue.detect.similarity import binder_identity, local_alignment
from catalogue.drafts import DomainDraft
from catalogue.errors import InvalidInput, NotFound
from catalogue.read import search as search_module
from tests.conftest import BACKENDS, new_database_url

PRODUCTS = {
    "tisa-cel": "Tisacel_patentUS9499629B2.fasta",
    "axi-cel": "Axicel_HM852952.fasta",
    "ide-cel": "Idecel_patentWO2021091978A1.fasta",
    "cilta-cel": "Ciltacel_Oezdemirli.fasta",
}
FMC63 = {"tisa-cel", "axi-cel"}
APP = Path(__file__).resolve().parent.parent / "app.py"


def _protein(shared_data, name: str) -> str:
    return "".join((shared_data / "sequences" / name).read_text().splitlines()[1:])


@pytest.fixture(scope="module", params=BACKENDS)
def products(request, tmp_path_factory, shared_data):
    """The demo catalogue with the approved products' CAR files imported through the service layer."""
    url = new_database_url(request.param, tmp_path_factory.mktemp("search"), request)
    engine = db.make_engine(url)
    db.upgrade(engine)
    actor = curation.local_operator()
    curation.load_demo(engine, actor)
    for construct, file_name in PRODUCTS.items():
        report = curation.import_sequences(engine, actor, file_name,
                                           (shared_data / "sequences" / file_name).read_bytes(), construct=construct)
        assert report.ok, report.error
    yield engine
    engine.dispose()


def _first_kinds(result: dict) -> list[tuple[str, str]]:
    return [(h["construct"], h["match"]) for h in result["hits"]]


@pytest.mark.parametrize("query_file", ["Tisacel_patentUS9499629B2_protein_translated.fasta",
                                        "Tisacel_patentUS9499629B2.fasta", "Axicel_HM852952.fasta"])
def test_an_fmc63_car_finds_every_fmc63_construct_first(products, shared_data, query_file):
    result = read.search_sequence(products, (shared_data / "sequences" / query_file).read_bytes(), name=query_file)
    assert result["query"]["molecule"] == ("protein" if "protein" in query_file else "DNA")
    assert {d["kind"] for d in result["query"]["domains"]} >= {"vh", "vl", "signalling"}
    first = result["hits"][: len(FMC63)]
    assert {h["construct"] for h in first} == FMC63, _first_kinds(result)
    for hit in first:  # whatever their hinge and costimulation
        assert hit["match"] == "binder"
        assert hit["identity"] == 100.0 and hit["coverage"] == 1.0
        assert 1 <= hit["query_start"] < hit["query_end"] <= result["query"]["chains"][hit["query_chain"]]["length"]
        assert hit["subject_end"] - hit["subject_start"] > 200  # VL + linker + VH
    assert all(h["match"] != "binder" for h in result["hits"][len(FMC63):])
    kinds = [h["match"] for h in result["hits"]]
    assert kinds == sorted(kinds, key=["binder", "domain", "chain"].index)
    assert len({h["construct"] for h in result["hits"]}) == len(result["hits"])


def test_the_scfv_with_substitutions_still_finds_them_with_lower_identity(products, shared_data):
    car = _protein(shared_data, "Tisacel_patentUS9499629B2_protein_translated.fasta")
    scfv = list(car[21:263])  # after the CD8α signal peptide: VL, (G4S)3, VH
    rng = random.Random(7)
    for position in rng.sample(range(len(scfv)), 5):
        scfv[position] = "W" if scfv[position] != "W" else "A"
    result = read.search_sequence(products, "".join(scfv))
    first = result["hits"][:2]
    assert {h["construct"] for h in first} == FMC63
    for hit in first:
        assert hit["match"] == "binder"
        assert 95.0 <= hit["identity"] < 100.0
        assert hit["alignments"] and all(a["match_text"].count("|") >= 100 for a in hit["alignments"])


def test_a_shuffled_car_finds_none_of_them(products, shared_data):
    car = list(_protein(shared_data, "Tisacel_patentUS9499629B2_protein_translated.fasta"))
    for seed in (1, 2, 3):
        random.Random(seed).shuffle(car)
        result = read.search_sequence(products, "".join(car))
        found = {h["construct"] for h in result["hits"]}
        assert not found & FMC63, (seed, _first_kinds(result))


def test_min_identity_and_limit(products, shared_data):
    query = _protein(shared_data, "Tisacel_patentUS9499629B2_protein_translated.fasta")  # its CD3ζ differs by one
    everything = read.search_sequence(products, query)
    assert len(everything["hits"]) > 3
    assert len(read.search_sequence(products, query, limit=3)["hits"]) == 3
    strict = read.search_sequence(products, query, min_identity=99.9)
    assert strict["hits"] and all(h["identity"] >= 99.9 for h in strict["hits"])
    assert len(strict["hits"]) < len(everything["hits"])


@pytest.mark.parametrize("query, message", [
    ("", "empty"),
    ("   \n ", "empty"),
    ("THIS IS NOT A SEQUENCE; 42!", "not a protein or DNA sequence"),
    ("ACGT" * 20_000, "over the limit"),
    (">only a header\n", "no sequence"),
    ("MKV", "at least"),
])
def test_bad_queries_are_refused_in_one_line(products, query, message):
    with pytest.raises(InvalidInput) as error:
        read.search_sequence(products, query)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_store_follows_curation_and_archiving(tmp_path, shared_data, database_url):
    engine = db.make_engine(database_url)
    db.upgrade(engine)
    actor = curation.local_operator()
    for construct in FMC63:
        name = PRODUCTS[construct]
        assert curation.import_sequences(engine, actor, name, (shared_data / "sequences" / name).read_bytes(),
                                         construct=construct).ok
    query = _protein(shared_data, "Tisacel_patentUS9499629B2_protein_translated.fasta")
    assert {h["construct"]: h["match"] for h in read.search_sequence(engine, query)["hits"]} == \
        {"tisa-cel": "binder", "axi-cel": "binder"}
    # a curator says axi-cel's record holds only its CD3ζ: it is no longer a binder hit
    record = read.construct_detail(engine, "axi-cel")["sequence_records"][0]
    zeta = next(d for d in record["domains"] if d["kind"] == "signalling")
    curation.set_curated_domains(engine, actor, record["id"], [
        DomainDraft(kind="signalling", label="CD3ζ", start=zeta["start"], end=zeta["end"], strand=1)],
        expected_version=record["version"])
    hits = {h["construct"]: h["match"] for h in read.search_sequence(engine, query)["hits"]}
    assert hits == {"tisa-cel": "binder", "axi-cel": "domain"}
    curation.set_archived(engine, actor, "construct", "tisa-cel", True)
    assert "tisa-cel" not in {h["construct"] for h in read.search_sequence(engine, query)["hits"]}
    engine.dispose()


def test_migration_0010_indexes_records_imported_before_it(tmp_path, shared_data):
    from alembic import command
    from alembic.script import ScriptDirectory

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    name = PRODUCTS["tisa-cel"]
    assert curation.import_sequences(engine, curation.local_operator(), name,
                                     (shared_data / "sequences" / name).read_bytes(), construct="tisa-cel").ok
    with engine.connect() as connection:
        before = connection.execute(select(func.count(SequenceSegment.id))).scalar_one()
    assert before >= 8  # the chain and its domains, linker left out
    config = db._alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        before_0010 = ScriptDirectory.from_config(config).get_revision("0010").down_revision  # chained as merged
        command.downgrade(config, before_0010)
    db.upgrade(engine)
    with engine.connect() as connection:
        after = connection.execute(select(func.count(SequenceSegment.id))).scalar_one()
        records = connection.execute(select(func.count(SequenceRecord.id))).scalar_one()
    assert after == before and records == 1
    search_module._stores.clear()
    assert read.search_sequence(engine, _protein(shared_data, "Tisacel_patentUS9499629B2_protein_translated.fasta")
                                )["hits"][0]["construct"] == "tisa-cel"
    engine.dispose()


# --- compare ------------------------------------------------------------------------------------------------


def test_compare_tisa_cel_and_axi_cel(products):
    result = read.compare_constructs(products, ["tisa-cel", "axi-cel"])
    differs = {row["field"] for row in result["fields"] if row["differs"]}
    assert {"signal_peptide", "hinge", "transmembrane", "costimulatory"} <= differs
    assert not differs & {"binder_clone", "binder_format", "binder_species", "targets", "signalling"}
    (pair,) = result["binder_identity"]
    assert pair["identity"] == 100.0 and pair["coverage"] == 1.0 and pair["same_binder"] is True
    signal = next(row for row in result["fields"] if row["field"] == "signal_peptide")["values"]
    assert signal["tisa-cel"] != signal["axi-cel"] and all(signal.values())
    assert result["targets"] == {"tisa-cel": ["CD19"], "axi-cel": ["CD19"]}
    assert "NCT02348216" in {t["registry_id"] for t in result["trials"]["axi-cel"]}
    assert all(m["domains"] for m in result["domain_maps"].values())


def test_compare_reports_a_different_binder(products):
    result = read.compare_constructs(products, ["tisa-cel", "ide-cel", "cilta-cel"])
    assert len(result["binder_identity"]) == 3
    for pair in result["binder_identity"]:
        assert pair["same_binder"] is False and pair["identity"] < 80.0
    assert next(r for r in result["fields"] if r["field"] == "binder_clone")["differs"]


def test_compare_refuses_too_few_or_unknown_constructs(products):
    with pytest.raises(InvalidInput):
        read.compare_constructs(products, ["tisa-cel"])
    with pytest.raises(InvalidInput):
        read.compare_constructs(products, ["tisa-cel", "axi-cel", "ide-cel", "cilta-cel", "obe-cel"])
    with pytest.raises(NotFound):
        read.compare_constructs(products, ["tisa-cel", "no such construct"])


def test_binder_identity_is_symmetric_and_needs_both_domains(shared_data):
    car = _protein(shared_data, "Tisacel_patentUS9499629B2_protein_translated.fasta")
    vl, vh = car[21:127], car[143:263]
    assert binder_identity([("VL", vl), ("VH", vh)], [("VH", vh), ("VL", vl)])["identity"] == 100.0
    half = binder_identity([("VL", vl), ("VH", vh)], [("VH", vh)])
    assert half["identity"] < 80.0  # a binder missing the VL is not the same binder (its VL meets only the VH)
    assert binder_identity([], [("VH", vh)]) is None
    alignment = local_alignment(vh, car)
    assert (alignment.subject_start, alignment.subject_end, alignment.identity) == (144, 263, 100.0)


# --- the CLI ------------------------------------------------------------------------------------------------


def _cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CATALOGUE_DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "catalogue", "--db", url, *args], capture_output=True, text=True,
                          env=env, timeout=300)


def test_cli_search_and_compare(products, shared_data):
    url = products.url.render_as_string(hide_password=False)
    query = shared_data / "sequences" / "Tisacel_patentUS9499629B2.fasta"
    result = _cli("search", "sequence", str(query), "--json", "--limit", "5", url=url)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert set(found) >= {"query", "hits"} and set(found["query"]) >= {"length", "molecule", "domains"}
    assert 0 < len(found["hits"]) <= 5
    for hit in found["hits"]:
        assert set(hit) >= {"construct", "record", "match", "identity", "coverage", "query_start", "query_end",
                            "subject_start", "subject_end", "score"}
    assert {h["construct"] for h in found["hits"][:2]} == FMC63
    text = _cli("search", "sequence", _protein(shared_data, "Axicel_HM852952_protein_translated.fasta"), url=url)
    assert text.returncode == 0 and "binder" in text.stdout and "axi-cel" in text.stdout
    bad = _cli("search", "sequence", "NOT-A-SEQUENCE!", url=url)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    compared = _cli("compare", "tisa-cel", "axi-cel", "--json", url=url)
    assert compared.returncode == 0, compared.stderr
    rows = {r["field"]: r for r in json.loads(compared.stdout)["fields"]}
    assert rows["hinge"]["differs"] and not rows["binder_clone"]["differs"]
    table = _cli("compare", "tisa-cel", "axi-cel", url=url)
    assert "* Hinge" in table.stdout and "same binder" in table.stdout
    assert _cli("compare", "tisa-cel", url=url).returncode == 1


# --- the app ------------------------------------------------------------------------------------------------


def test_the_constructs_page_searches_and_the_compare_page_compares(products, shared_data, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CATALOGUE_DATABASE_URL", products.url.render_as_string(hide_password=False))
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.switch_page("catalogue/ui/constructs.py").run()
    assert not at.text_area  # the search is built only once its expander is opened
    at.session_state["search_expanded"] = True
    at.run()
    at.text_area(key="search_text").set_value(
        _protein(shared_data, "Tisacel_patentUS9499629B2_protein_translated.fasta")).run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    hits = at.dataframe(key="search_hits").value
    assert set(hits["construct"][:2]) == FMC63 and list(hits["match"][:2]) == ["binder", "binder"]
    assert any("query" in c.value and "subject" in c.value for c in at.code)  # the alignment view
    at.text_area(key="search_text").set_value("THIS IS NOT A SEQUENCE!").run()
    assert at.error and "not a protein or DNA sequence" in at.error[0].value
    at.switch_page("catalogue/ui/compare.py")
    at.query_params["c"] = ["tisa-cel", "axi-cel"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    fields = next(d.value for d in at.dataframe if "Field" in d.value.columns)  # a styled table (differences marked)
    hinge = fields[fields["Field"] == "Hinge"].iloc[0]
    assert hinge["Differs"] == "≠" and hinge["tisa-cel"] == "CD8α" and hinge["axi-cel"] == "CD28"
    assert at.get("plotly_chart")


def test_the_fast_translation_is_biopythons(shared_data):
    """find_chains translates by a codon table built from Biopython itself: the same letters on real records."""
    from Bio.Seq import Seq

    from catalogue.detect.domains import translated

    for name in ("Tisacel_patentUS9499629B2.fasta", "lentiviral_vector_tisacel.fasta", "Axicel_HM852952.fasta"):
        dna = "".join((shared_data / "sequences" / name).read_text().splitlines()[1:]).upper()
        for strand in (dna, str(Seq(dna).reverse_complement())):
            for offset in range(3):
                part = strand[offset : len(strand) - (len(strand) - offset) % 3]
                assert translated(part) == str(Seq(part).translate())
    with_n = "ATGNNNCTNGGNTAANTGACGTRN".replace("R", "N")[:21]
    assert translated(with_n) == str(Seq(with_n).translate())
