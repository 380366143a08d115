"""The field's knowledge as data files with sources, and one reader for each.

- ``targets.toml`` / :mod:`catalogue.reference.targets`: target antigens, their genes, proteins and
  the names trial records use for them;
- ``products.toml`` / :mod:`catalogue.reference.products`: named cell products, their codes and
  facts (targets, modality, binder, developer, approval status), each with its source;
- ``parts.toml`` (read by :mod:`catalogue.detect.parts`): public protein parts of constructs.

The readers return frozen dataclasses and never touch the database; curated products stored in the
database are layered on top by the service layer (:mod:`catalogue.curation.products`).
"""
