"""The read side: queries for the CLI, the pages and the charts, one module per page family.

Every function takes an engine and returns plain values, read models (frozen dataclasses,
:mod:`catalogue.read.models`) or DataFrames; nothing here writes. :func:`to_json` is the one serializer of
them (the CLI's ``--json``).
The results pages read are cached per catalogue revision (:mod:`catalogue.read.cache`); the filters of the
browse tables are described once in :mod:`catalogue.read.facets`. Words (phase and status labels,
"not recorded", registry links) come from :mod:`catalogue.vocabulary`.
"""

from catalogue.read.accounts import account_by_email, accounts, has_accounts
from catalogue.read.audit import archived_records, audit_events, audit_kinds, row_counts
from catalogue.read.cache import CACHE_SIZE, catalogue_revision, clear_cache
from catalogue.read.changes import CHANGE_KINDS, change_table, trial_changes, trial_imports
from catalogue.read.compare import compare_constructs
from catalogue.read.constructs import (
    chain_domains,
    construct_detail,
    construct_facets,
    construct_names,
    construct_page,
    constructs_sharing_binder,
)
from catalogue.read.models import (
    ChainDomain,
    ConstructDetail,
    EpitopeDetail,
    EvidenceRow,
    LinkedConstruct,
    LinkedTrial,
    Portfolio,
    ProgrammeTotal,
    ReadModel,
    Registration,
    SequenceRecordDetail,
    Stats,
    TargetDetail,
    TcrChainDetail,
    TrialDetail,
    TrialRecord,
)
from catalogue.read.enrollment import ENROLLMENT_KEYS, INFERRED_ACTUAL_STATUSES
from catalogue.read.facets import CONSTRUCT_FACETS, TRIAL_FACETS, Facet, FacetedTable
from catalogue.read.portfolio import (
    APPROVED,
    STAT_KEYS,
    default_programme,
    portfolio,
    programmes,
    reference_products,
    stats,
    stats_frame,
    target_counts,
)
from catalogue.read.products import product_detail, products
from catalogue.read.search import search_sequence, search_store_size
from catalogue.read.sequences import (
    original_file,
    sequence_history,
    sequence_record,
    sequence_record_draft,
    stored_drafts,
)
from catalogue.read.serialize import to_json
from catalogue.read.sql import TablePage
from catalogue.read.targets import target_detail, target_symbols, targets_overview
from catalogue.read.trials import trial_choices, trial_detail, trial_facets, trial_page, trial_record

__all__ = [
    "to_json",
    "ReadModel",
    "ConstructDetail",
    "LinkedTrial",
    "EpitopeDetail",
    "TcrChainDetail",
    "ChainDomain",
    "SequenceRecordDetail",
    "TrialDetail",
    "TrialRecord",
    "Registration",
    "LinkedConstruct",
    "EvidenceRow",
    "TargetDetail",
    "Stats",
    "Portfolio",
    "ProgrammeTotal",
    "CACHE_SIZE",
    "catalogue_revision",
    "clear_cache",
    "STAT_KEYS",
    "stats",
    "stats_frame",
    "target_counts",
    "programmes",
    "portfolio",
    "APPROVED",
    "ENROLLMENT_KEYS",
    "INFERRED_ACTUAL_STATUSES",
    "default_programme",
    "reference_products",
    "targets_overview",
    "target_detail",
    "target_symbols",
    "Facet",
    "FacetedTable",
    "TablePage",
    "construct_detail",
    "chain_domains",
    "CONSTRUCT_FACETS",
    "construct_page",
    "construct_facets",
    "constructs_sharing_binder",
    "construct_names",
    "sequence_record",
    "sequence_record_draft",
    "stored_drafts",
    "original_file",
    "sequence_history",
    "trial_detail",
    "TRIAL_FACETS",
    "products",
    "product_detail",
    "trial_page",
    "trial_facets",
    "trial_record",
    "trial_choices",
    "audit_events",
    "row_counts",
    "audit_kinds",
    "archived_records",
    "accounts",
    "has_accounts",
    "account_by_email",
    "search_sequence",
    "search_store_size",
    "compare_constructs",
    "CHANGE_KINDS",
    "change_table",
    "trial_changes",
    "trial_imports",
]
