"""What distribute re-reads of the inputs: the people (org.csv, recipients.csv) and the metric
catalog, validated as `report` validates them; InputError listing every problem."""
from __future__ import annotations

from pathlib import Path

from pipeline.errors import InputError, Problem
from pipeline.inputs import schema
from pipeline.inputs.catalog import Catalog
from pipeline.inputs.load import read_table
from pipeline.inputs.validate import validate_catalog, validate_org, validate_recipients


def read_people(inputs_dir: Path):
    """The org and recipients.csv rows, validated; InputError lists every problem."""
    problems: list[Problem] = []
    org = validate_org(read_table(inputs_dir, schema.ORG, problems, []), problems)
    recipients = validate_recipients(read_table(inputs_dir, schema.RECIPIENTS, problems, []), problems)
    if problems:
        raise InputError(problems)
    return org, recipients


def read_catalog(inputs_dir: Path) -> Catalog:
    problems: list[Problem] = []
    catalog = validate_catalog(read_table(inputs_dir, schema.METRIC_CATALOG, problems, []), problems)
    if problems:
        raise InputError(problems)
    return catalog
