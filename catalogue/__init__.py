"""The CAR/TCR construct catalogue: constructs, sequence records and clinical trials in one database."""

__version__ = "0.1.0"
