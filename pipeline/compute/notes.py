"""Notes as the documents show them: a plan's notes flow down the org, a summary's roll up, and
each risk is paired with its response. Pure: takes and returns DataFrames.

- Pairing (`paired_risks`): a `risk` row carries its response in the `response` column; a
  `response` section row (the older form) answers the nearest earlier risk of the same month,
  level, unit and metric that has no response yet, and stands on its own (empty `text`) when
  there is none.
- Flowing down (`flowed_down`): a plan note (strategy, resources, risk) of a unit is shown in the
  plans of every unit inside it — company → regions → teams → reps — marked with its `source`,
  the label of the unit that wrote it ("公司", "华东区" …). A unit's own notes have source "".
- Rolling up (`rolled_up`): where a unit wrote no note of a summary section (for a metric, or
  in general), it shows its members' notes, each attributed to the member ("上海一组"), a deeper
  one by its path ("上海一组·张伟"); a member that wrote its own note hides its members' notes.
"""
from __future__ import annotations

import pandas as pd

from pipeline.compute.org import CHILD_LEVEL, Org
from pipeline.inputs.schema import LEVELS, PLAN_SECTIONS, SUMMARY_SECTIONS

KEY = ["month", "level", "unit", "section", "metric"]
COLUMNS = [*KEY, "text", "response", "source"]
SOURCE_SEPARATOR = "·"


def _empty() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in COLUMNS})


def _with_response(notes: pd.DataFrame) -> pd.DataFrame:
    """`notes` with a `response` column (empty where the input had none)."""
    if "response" in notes.columns:
        return notes.assign(response=notes["response"].fillna("").astype(str))
    return notes.assign(response="")


def paired_risks(notes: pd.DataFrame) -> pd.DataFrame:
    """The plan notes with every `response` section row joined to its risk, in file order:
    risk rows carry their response; a response without a risk to answer stays a `risk` row
    with an empty `text` (a response on its own). Other sections pass unchanged."""
    notes = _with_response(notes)
    rows = notes.loc[notes["section"].isin(PLAN_SECTIONS), [*KEY, "text", "response"]].to_dict("records")
    paired, open_risks = [], {}  # (month, level, unit, metric) → positions of risks without a response
    for row in rows:
        where = (row["month"], row["level"], row["unit"], row["metric"])
        if row["section"] == "risk":
            paired.append(dict(row))
            if not row["response"]:
                open_risks.setdefault(where, []).append(len(paired) - 1)
        elif row["section"] == "response":
            waiting = open_risks.get(where)
            if waiting:
                paired[waiting.pop(0)]["response"] = row["text"]
            else:
                paired.append({**row, "section": "risk", "text": "", "response": row["text"]})
        else:
            paired.append(dict(row))
    return pd.DataFrame(paired, columns=[*KEY, "text", "response"]) if paired else \
        pd.DataFrame(columns=[*KEY, "text", "response"])


def _units(org: Org) -> pd.DataFrame:
    """Every unit with its label and the unit directly above it: level, unit, label, parent."""
    records = []
    for unit in org.all_units():
        above = org.parent(unit.level, unit.unit)
        records.append({"level": unit.level, "unit": unit.unit, "label": unit.label,
                        "parent": above[1] if above else None})
    return pd.DataFrame(records, columns=["level", "unit", "label", "parent"])


def flowed_down(notes: pd.DataFrame, org: Org) -> pd.DataFrame:
    """The plan notes (after `paired_risks`) of every unit: its own (source "") and, after them,
    those of the units above it, company first, each with the label of the unit that wrote it."""
    plan = paired_risks(notes).assign(source="")
    if plan.empty:
        return _empty()
    membership = org.membership()
    depth = {level: position for position, level in enumerate(LEVELS)}
    written = plan.reset_index(drop=True).rename_axis("note").reset_index()
    # the reps inside the writing unit, then every unit those reps belong to below it
    reps = written.merge(membership, on=["level", "unit"])
    below = reps.merge(membership.rename(columns={"level": "to_level", "unit": "to_unit"}), on="rep_id")
    below = below.loc[below["to_level"].map(depth) > below["level"].map(depth)]
    below = below.drop_duplicates(["note", "to_level", "to_unit"])
    labels = {(u.level, u.unit): u.label for u in org.all_units()}
    inherited = below.assign(
        source=[labels.get(key, key[1]) for key in zip(below["level"], below["unit"])],
        origin=below["level"].map(depth),
        level=below["to_level"], unit=below["to_unit"])
    own = written.assign(origin=-1)
    shown = pd.concat([own, inherited[own.columns]], ignore_index=True)
    order = {(u.level, u.unit): i for i, u in enumerate(org.all_units())}
    shown = shown.assign(_unit=[order.get(key, len(order)) for key in zip(shown["level"], shown["unit"])])
    shown = shown.sort_values(["_unit", "origin", "note"], kind="stable")
    return shown[COLUMNS].reset_index(drop=True)


def rolled_up(notes: pd.DataFrame, org: Org) -> pd.DataFrame:
    """The summary notes of every unit: its own (source "") where it wrote any for a (month,
    section, metric), else its members' as they show them, attributed; reps first, then up."""
    summary = _with_response(notes).loc[lambda frame: frame["section"].isin(SUMMARY_SECTIONS)]
    summary = summary[[*KEY, "text", "response"]].assign(source="")
    if summary.empty:
        return _empty()
    units = _units(org)
    shown = {"rep": summary.loc[summary["level"] == "rep"]}
    for level in ("team", "region", "company"):
        members = shown[CHILD_LEVEL[level]]
        own = summary.loc[summary["level"] == level]
        labelled = members.merge(units.loc[units["level"] == CHILD_LEVEL[level], ["unit", "label", "parent"]],
                                 on="unit")
        position = {unit: i for i, unit in enumerate(units.loc[units["level"] == CHILD_LEVEL[level], "unit"])}
        labelled = labelled.assign(_member=labelled["unit"].map(position)).sort_values("_member", kind="stable")
        lifted = labelled.assign(
            source=[label if not source else f"{label}{SOURCE_SEPARATOR}{source}"
                    for label, source in zip(labelled["label"], labelled["source"])],
            level=level, unit=labelled["parent"])[summary.columns]
        written = set(zip(*(own[column] for column in ("month", "unit", "section", "metric"))))
        kept = [key not in written for key in zip(*(lifted[c] for c in ("month", "unit", "section", "metric")))]
        shown[level] = pd.concat([own, lifted.loc[kept]], ignore_index=True)
    return pd.concat([shown[level] for level in LEVELS], ignore_index=True)[COLUMNS]


def shown_notes(notes: pd.DataFrame, org: Org) -> pd.DataFrame:
    """Every note every document shows: the plan sections flowed down, the summary's rolled up."""
    return pd.concat([flowed_down(notes, org), rolled_up(notes, org)], ignore_index=True)


def note_index(shown: pd.DataFrame) -> dict[tuple[str, str, str, str, str], list[tuple[str, str, str]]]:
    """(text, response, source) of the `shown` notes by (month, level, unit, section, metric), in order."""
    index: dict[tuple[str, str, str, str, str], list[tuple[str, str, str]]] = {}
    for row in zip(*(shown[column] for column in COLUMNS)):
        index.setdefault(row[:5], []).append(row[5:])
    return index
