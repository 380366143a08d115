"""The read side: queries for the CLI, the pages and the charts, one module per page family.

Every function takes an engine and returns plain values, read models or DataFrames; nothing here writes.
Results that cost a whole-catalogue scan are cached per catalogue revision (:mod:`catalogue.read.cache`).
"""

from catalogue.read.accounts import account_by_email, account_credentials, accounts, has_accounts
from catalogue.read.audit import archived_records, audit_events, audit_kinds, row_counts
from catalogue.read.cache import CACHE_SIZE, catalogue_revision, clear_cache, revision_cached
from catalogue.read.changes import CHANGE_KINDS, change_table, trial_changes, trial_imports
from catalogue.read.constructs import (
    CONSTRUCT_FILTERS,
    chain_domains,
    construct_detail,
    construct_facets,
    construct_names,
    construct_page,
    constructs_sharing_binder,
)
from catalogue.vocabulary import NOT_RECORDED, PHASE_ORDER, phase_label, registry_url, status_label, uniprot_url
from catalogue.read.portfolio import STAT_KEYS, portfolio, programmes, stats, stats_frame
from catalogue.read.sequences import (
    original_file,
    sequence_history,
    sequence_record,
    sequence_record_draft,
    stored_drafts,
)
from catalogue.read.targets import target_detail, target_symbols, targets_overview
from catalogue.read.trials import TRIAL_FILTERS, trial_choices, trial_detail, trial_facets, trial_page, trial_record

__all__ = [
    "CACHE_SIZE",
    "catalogue_revision",
    "revision_cached",
    "clear_cache",
    "NOT_RECORDED",
    "PHASE_ORDER",
    "phase_label",
    "status_label",
    "registry_url",
    "uniprot_url",
    "STAT_KEYS",
    "stats",
    "stats_frame",
    "programmes",
    "portfolio",
    "targets_overview",
    "target_detail",
    "target_symbols",
    "construct_detail",
    "chain_domains",
    "CONSTRUCT_FILTERS",
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
    "TRIAL_FILTERS",
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
    "account_credentials",
    "account_by_email",
    "CHANGE_KINDS",
    "change_table",
    "trial_changes",
    "trial_imports",
]
