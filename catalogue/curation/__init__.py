"""The service layer: every write to the catalogue goes through here.

Each public function is one user action: it checks the acting account's role,
validates its input, writes in one transaction, and records one
:class:`~catalogue.db.models.AuditEvent` per entity it changes. A write that
changes nothing records nothing, so repeating an action is harmless. The CLI
and the app call these functions; nothing else writes to the database.

- ``actors``: roles and who is acting;
- ``records``: the audit trail and import reports;
- ``constructs``: targets, programmes, constructs;
- ``trials``: registry imports, corrections, links, patients treated;
- ``import_history``: every trial import recorded, with what it did to each trial;
- ``studies``: registrations of one study linked (secondary IDs, curators), counted once;
- ``trial_entry``: a trial of any registry entered by hand;
- ``sequences``: sequence records, domains, reference binders;
- ``accounts``: accounts and roles;
- ``demo_catalogue``: the shipped demo.
"""

from catalogue.curation.accounts import add_account, set_role
from catalogue.curation.actors import (
    LOCAL_OPERATOR,
    ROLE_RANK,
    ROLES,
    Actor,
    Role,
    actor_for,
    local_operator,
    require,
)
from catalogue.curation.audit import FileReport, Outcome, RecordOutcome, row_values
from catalogue.curation.constructs import (
    CONSTRUCT_FIELDS,
    EDITABLE_CONSTRUCT_FIELDS,
    construct_targets,
    save_construct,
    save_target,
    set_archived,
    update_construct,
)
from catalogue.curation.demo_catalogue import describe_outcomes, load_demo
from catalogue.curation.sequences import (
    accept_architecture,
    import_binders,
    import_sequence_files,
    import_sequences,
    parsing_processes,
    reference_binder_library,
    set_curated_domains,
)
from catalogue.curation.trials import (
    EDITABLE_TRIAL_FIELDS,
    _write_trials,  # noqa: F401  (tests write registry drafts directly)
    import_trials,
    link_trial_construct,
    set_patients_treated,
    set_trial_targets,
    update_trial,
)
from catalogue.curation.studies import link_registrations, unlink_registrations
from catalogue.curation.trial_entry import ENTRY_FIELDS, create_trial
from catalogue.curation.trials import NEWEST_SNAPSHOT_FIELDS, import_trial_pages
from catalogue.errors import EditConflict, InvalidInput, NotFound, PermissionDenied
from catalogue.prepare.files import PreparedSequences, prepare_sequences

__all__ = [
    "LOCAL_OPERATOR", "ROLES", "ROLE_RANK", "Actor", "Role", "actor_for", "local_operator", "require",
    "CONSTRUCT_FIELDS", "EDITABLE_CONSTRUCT_FIELDS", "construct_targets", "save_construct", "save_target",
    "set_archived", "update_construct", "describe_outcomes", "load_demo", "FileReport", "Outcome",
    "RecordOutcome", "row_values", "PreparedSequences", "accept_architecture", "import_binders",
    "import_sequence_files", "import_sequences", "parsing_processes", "prepare_sequences",
    "reference_binder_library", "set_curated_domains",
    "EDITABLE_TRIAL_FIELDS", "import_trials", "link_trial_construct", "set_patients_treated",
    "set_trial_targets", "update_trial", "add_account", "set_role",
    "EditConflict", "InvalidInput", "NotFound", "PermissionDenied",
    "ENTRY_FIELDS", "NEWEST_SNAPSHOT_FIELDS", "create_trial", "import_trial_pages", "link_registrations",
    "unlink_registrations",
]  # fmt: skip
