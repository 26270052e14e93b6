"""Planning a month's mails: files → recipients and the month's manifest → one planned mail per
address, with what composing it needs (`Month`), or several months as one (`Cycle`)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.compute.org import Org
from pipeline.delivery import attachments
from pipeline.delivery.attachments import Item, Maker
from pipeline.delivery.cycle import Cycle
from pipeline.delivery.ledger import Delivered, Ledger
from pipeline.delivery.month_folder import MonthFolder
from pipeline.delivery.readers import read_catalog, read_people
from pipeline.inputs import schema
from pipeline.inputs.catalog import Catalog
from pipeline.inputs.validate import resolve_rep
from pipeline.outputs import unguarded
from pipeline.layout import Layout


@dataclass
class Mail:
    recipient: str
    name: str
    units: list[tuple[str, str]]  # (level, unit) in manifest order
    documents: list[dict]  # the manifest's entries, in order


def plan_mails(manifest: dict, org, recipients) -> tuple[list[Mail], list[str]]:
    """One mail per address with the documents of every unit it is listed for (and, with scope
    `all`, of every unit inside it); warnings for the rest."""
    listed = [(row.email, row.rep_name, "rep", row.rep_id, None, "own") for row in org.itertuples() if row.email]
    for row in recipients.to_dict("records"):
        unit = (resolve_rep(row["unit"], org)[0] or row["unit"]) if row["level"] == "rep" else row["unit"]
        listed.append((row["email"], row["name"], row["level"], unit, f"{row['_file']} 第{row['_line']}行",
                       row.get("scope") or "own"))

    present = {(d["level"], d["unit"]) for d in manifest["documents"]}
    hierarchy = Org(org)
    wanted: dict[str, dict] = {}
    warnings = []
    for email, name, level, unit, where, scope in listed:
        if (level, unit) not in present:
            warnings.append(f"{where or 'org.csv'}：{manifest['month']} 没有「{unit}」"
                            f"（{schema.LEVEL_NAMES[level]}）的文档，{email} 不会收到它")
            continue
        entry = wanted.setdefault(email.casefold(), {"email": email, "name": name, "units": set()})
        entry["name"] = entry["name"] or name
        entry["units"].add((level, unit))
        if scope == "all":
            entry["units"] |= units_inside(hierarchy, level, unit) & present
    mails = []
    for entry in wanted.values():
        documents = [d for d in manifest["documents"] if (d["level"], d["unit"]) in entry["units"]]
        units = list(dict.fromkeys((d["level"], d["unit"]) for d in documents))
        mails.append(Mail(entry["email"], entry["name"], units, documents))
    return mails, warnings


def units_inside(org: Org, level: str, unit: str) -> set[tuple[str, str]]:
    """Every (level, unit) inside `unit` of `level`: its regions, teams and reps, as deep as they go."""
    below = schema.LEVELS[schema.LEVELS.index(level) + 1:]
    return {(inner, org.unit_of(rep, inner)) for rep in org.reps(level, unit) for inner in below}


@dataclass
class Month:
    """A month ready to send: its mails and what composing them needs."""

    month: str
    outputs_dir: Path
    mails: list[Mail]
    warnings: list[str]
    labels: dict[str, str]  # rep_id → name
    metrics_rows: list[dict]
    catalog: Catalog

    def maker(self) -> Maker:
        return Maker(self.month, MonthFolder(self.outputs_dir, self.month), self.metrics_rows, self.labels, self.catalog)

    def items(self, mail: Mail, formats: tuple[str, ...]) -> list[Item]:
        return attachments.plan(mail.documents, mail.units, formats, self.month, self.metrics_rows)

    def month_of(self, identity: str) -> str:
        """The month an item belongs to (always this one; a Cycle has several)."""
        return self.month

    def delivered_to(self, ledger: Ledger, transport: str) -> dict[str, Delivered]:
        return ledger.delivered_to(transport, self.month)


def plan_month(month: str, inputs_dir: Path, outputs_dir: Path) -> Month:
    """The mails of `month` (recipients from the inputs, documents from the report) and the warnings."""
    folder = MonthFolder(outputs_dir, month)
    manifest, _ = folder.manifest()
    org, recipients = read_people(inputs_dir)
    mails, warnings = plan_mails(manifest, org, recipients)
    return Month(month, outputs_dir, mails, warnings, Org(org).names, unguarded(folder.metrics_rows()),
                 read_catalog(inputs_dir))


def plan_run(months: list[str], inputs_dir: Path, outputs_dir: Path, skip_unreported: bool = False) -> Month | Cycle:
    """The mails of one month, or of several as a Cycle (one mail per recipient for all of them).
    With `skip_unreported` (the default months), a month without a report is left out with a warning."""
    planned, skipped = [], []
    for month in months:
        if skip_unreported and not Layout(outputs_dir).is_reported(month):
            skipped.append(f"{month} 还没有报告（未运行 report 或该月没有目标），本次不发送该月")
            continue
        planned.append(plan_month(month, inputs_dir, outputs_dir))
    if not planned:  # nothing reported: say what to run, as for a single month
        MonthFolder(outputs_dir, months[-1]).manifest()
    chosen = planned[0] if len(planned) == 1 else Cycle.of(planned, outputs_dir, Mail)
    chosen.warnings = skipped + chosen.warnings
    return chosen
