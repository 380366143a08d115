"""Chart builders: query output (DataFrames, rows) in, Plotly figures (or text tracks) out.

Pure functions: no Streamlit, no SQL. One palette gives each target the same colour in every chart; another
gives each domain kind its colour in domain maps. Patients treated (curated counts of infused patients) and
registry enrollment are always separate traces, each named with its basis.

- :mod:`catalogue.charts.style`: palettes, the template, margins fitted to the labels, toolbar settings;
- :mod:`catalogue.charts.portfolio`: the Portfolio's and Targets' charts (per target, phase, status, year,
  indication, country, disease category);
- :mod:`catalogue.charts.sequences`: domain maps, the text track under a sequence, alignments as text.
"""

from catalogue.charts.portfolio import (
    disease_hierarchy,
    iso3,
    patients_and_enrollment,
    patients_per_target,
    target_indication_heatmap,
    trials_by_country,
    trials_by_phase,
    trials_by_status,
    trials_by_year,
)
from catalogue.charts.sequences import alignment_text, domain_map, domain_maps_compared, domain_track
from catalogue.charts.style import (
    ACTUAL_BASIS,
    DOMAIN_COLOURS,
    DOMAIN_LETTERS,
    ESTIMATED_BASIS,
    PATIENTS_BASIS,
    PHASE_COLOURS,
    TARGET_COLOURS,
    TOPOJSON_URL,
    UNKNOWN_BASIS,
    plain,
    plotly_config,
    target_colour,
)

__all__ = [
    "ACTUAL_BASIS", "DOMAIN_COLOURS", "DOMAIN_LETTERS", "ESTIMATED_BASIS", "PATIENTS_BASIS", "PHASE_COLOURS",
    "TARGET_COLOURS", "TOPOJSON_URL", "UNKNOWN_BASIS", "alignment_text", "disease_hierarchy", "domain_map",
    "domain_maps_compared", "domain_track", "iso3", "patients_and_enrollment", "patients_per_target", "plain",
    "plotly_config", "target_colour", "target_indication_heatmap", "trials_by_country", "trials_by_phase",
    "trials_by_status", "trials_by_year",
]
