"""The service layer: every write to the catalogue goes through here.

Each function exported here is one user action: it takes an engine, checks the acting
account's role, validates its input, writes in one transaction, and records one
:class:`~catalogue.db.models.AuditEvent` per entity it changes. A write that
changes nothing records nothing, so repeating an action is harmless. The CLI
and the app call these functions; nothing else writes to the database.

Inside the package, actions are composed of *units*: public functions of the
modules that take a session (``upsert_construct``, ``write_trials``,
``write_sequences``, ``audit_event``, ...). Units run inside a caller's
transaction and check no role; they are not user actions and are not exported
here. Parsing and detection happen before an action, in :mod:`catalogue.prepare`.

- ``actors``: roles and who is acting;
- ``audit``: the audit trail, the catalogue revision and import reports;
- ``constructs``: targets, programmes, constructs;
- ``trials``: registry imports (a file or a fetched search), upsert by registry ID;
- ``trial_corrections``: curators' corrections of trials, target overrides, curated links to constructs;
- ``trial_reclassification``: stored trials classified again when the known products change;
- ``trial_links``: a trial's links to targets and constructs (units the trial modules share);
- ``import_history``: every trial import recorded, with what it did to each trial;
- ``studies``: registrations of one study linked (secondary IDs, curators), counted once;
- ``trial_entry``: a trial of any registry entered by hand;
- ``sequences``: sequence records, domains, accepted architectures, reference binders;
- ``accounts``: accounts, roles and sign-in;
- ``patients_treated``: patients-treated figures: published results, programme totals;
- ``programme_candidates``: trials that may belong to a programme, for a curator to accept;
- ``products``: named products curators add or correct (trials naming them are classified again);
- ``demo_catalogue``: the shipped demo.
"""

from catalogue.curation.accounts import add_account, authenticate, set_account_archived, set_role
from catalogue.curation.actors import (
    LOCAL_OPERATOR,
    ROLE_RANK,
    ROLES,
    Actor,
    Role,
    actor_for,
    has_active_admin,
    local_operator,
    require,
)
from catalogue.curation.audit import FileReport, Outcome, RecordOutcome
from catalogue.curation.constructs import (
    CONSTRUCT_FIELDS,
    EDITABLE_CONSTRUCT_FIELDS,
    save_construct,
    save_target,
    set_archived,
    update_construct,
)
from catalogue.curation.demo_catalogue import describe_outcomes, load_demo
from catalogue.curation.patients_treated import (
    PublishedResult,
    record_published_result,
    remove_published_results,
    set_patients_treated,
)
from catalogue.curation.products import EDITABLE_PRODUCT_FIELDS, ProductChange, add_product, set_product
from catalogue.curation.programme_candidates import CandidateTrial, decide_candidate, propose_candidates
from catalogue.curation.sequences import (
    accept_architecture,
    import_binders,
    import_sequence_files,
    import_sequences,
    reference_binder_library,
    set_curated_domains,
)
from catalogue.curation.studies import link_registrations, unlink_registrations
from catalogue.curation.tcr import add_epitope, set_epitopes, set_tcr_chains
from catalogue.curation.trial_entry import ENTRY_FIELDS, create_trial
from catalogue.curation.trial_corrections import (
    EDITABLE_TRIAL_FIELDS,
    link_trial_construct,
    set_trial_targets,
    update_trial,
)
from catalogue.curation.trials import NEWEST_SNAPSHOT_FIELDS, import_trial_pages, import_trials
from catalogue.errors import EditConflict, InvalidInput, NotFound, PermissionDenied
from catalogue.prepare.files import PreparedSequences, prepare_sequences
from catalogue.prepare.pipeline import parsing_processes

__all__ = [
    "LOCAL_OPERATOR", "ROLES", "ROLE_RANK", "Actor", "Role", "actor_for", "local_operator", "require",
    "CONSTRUCT_FIELDS", "EDITABLE_CONSTRUCT_FIELDS", "save_construct", "save_target",
    "set_archived", "update_construct", "describe_outcomes", "load_demo", "FileReport", "Outcome",
    "RecordOutcome", "PreparedSequences", "accept_architecture", "import_binders",
    "import_sequence_files", "import_sequences", "parsing_processes", "prepare_sequences",
    "reference_binder_library", "set_curated_domains",
    "EDITABLE_TRIAL_FIELDS", "import_trials", "link_trial_construct", "set_patients_treated",
    "set_trial_targets", "update_trial", "add_account", "authenticate", "set_role", "set_account_archived",
    "has_active_admin",
    "EditConflict", "InvalidInput", "NotFound", "PermissionDenied",
    "add_epitope", "set_epitopes", "set_tcr_chains",
    "PublishedResult", "record_published_result", "remove_published_results",
    "CandidateTrial", "decide_candidate", "propose_candidates",
    "EDITABLE_PRODUCT_FIELDS", "ProductChange", "add_product", "set_product",
    "ENTRY_FIELDS", "NEWEST_SNAPSHOT_FIELDS", "create_trial", "import_trial_pages", "link_registrations",
    "unlink_registrations",
]  # fmt: skip
