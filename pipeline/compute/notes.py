"""Notes beyond their own unit: risks paired with their responses, a unit's plan notes flowing
down to the units inside it, and members' summary notes rolling up to a unit that wrote none.

Pure: takes and returns DataFrames. A note frame has the columns of the validated notes
(month, level, unit, metric, section, text, response); the frames returned here add `source`,
the name of the unit that wrote the note as a reader knows it ("" for the unit's own note).
"""
from __future__ import annotations

import pandas as pd

from pipeline.compute.org import display_names
from pipeline.inputs.schema import COMPANY_UNIT, LEVELS

FLOWING = ("strategy", "resources", "risk", "response")  # a plan's notes, which hold for the units inside
ROLLING = ("variance_reason", "highlight", "problem", "next_step")  # a summary's notes
COLUMNS = ["month", "level", "unit", "metric", "section", "text", "response", "source"]
_DEPTH = {level: depth for depth, level in enumerate(LEVELS)}


def _with_response(notes: pd.DataFrame) -> pd.DataFrame:
    """`notes` with a `response` column ("" where the notes have none)."""
    if "response" in notes:
        return notes.assign(response=notes["response"].fillna("").astype(str))
    return notes.assign(response="")


def paired_risks(notes: pd.DataFrame) -> pd.DataFrame:
    """`notes` with each `response` row paired to a `risk`: a risk without a response of its own
    (the `response` column) takes the first `response` row of the same month, unit and metric
    that is not yet taken, in file order. A response left over stays a `response` row."""
    notes = _with_response(notes).reset_index(drop=True)
    keys = ["month", "level", "unit", "metric"]
    is_risk = (notes["section"] == "risk") & (notes["response"] == "")
    is_response = notes["section"] == "response"
    if not (is_risk.any() and is_response.any()):
        return notes
    risks = notes[is_risk].assign(_nth=lambda f: f.groupby(keys, sort=False).cumcount())
    responses = notes[is_response].assign(_nth=lambda f: f.groupby(keys, sort=False).cumcount())
    pairs = risks.reset_index().merge(responses.reset_index()[[*keys, "_nth", "index", "text"]],
                                      on=[*keys, "_nth"], suffixes=("", "_response"))
    paired = notes.copy()
    paired.loc[pairs["index"].to_numpy(), "response"] = pairs["text_response"].to_numpy()
    return paired.drop(index=pairs["index_response"].to_numpy()).reset_index(drop=True)


def units_inside(org: pd.DataFrame) -> pd.DataFrame:
    """Every (outer unit, unit inside it) pair of the org: columns `outer_level`, `outer_unit`,
    `level`, `unit`, and the inner unit's `region` and `team` ("" for a region)."""
    reps = org[["rep_id", "team", "region"]].astype(str)
    inner = pd.concat([
        pd.DataFrame({"level": "region", "unit": reps["region"], "region": reps["region"], "team": ""}),
        pd.DataFrame({"level": "team", "unit": reps["team"], "region": reps["region"], "team": reps["team"]}),
        pd.DataFrame({"level": "rep", "unit": reps["rep_id"], "region": reps["region"], "team": reps["team"]}),
    ]).drop_duplicates(["level", "unit"])
    company = inner.assign(outer_level="company", outer_unit=COMPANY_UNIT)
    region = inner[inner["level"] != "region"].assign(outer_level="region", outer_unit=lambda f: f["region"])
    team = inner[inner["level"] == "rep"].assign(outer_level="team", outer_unit=lambda f: f["team"])
    return pd.concat([company, region, team], ignore_index=True)


def _source_names(org: pd.DataFrame) -> dict[str, str]:
    return display_names(org)


def _concerns(copied: pd.DataFrame, inside: pd.DataFrame) -> pd.Series:
    """Per copied note: whether its recipient (`level`, `unit`) is one of the units its
    `applies_to` names or inside one of them; every recipient where it names none."""
    scopes = copied["applies_to"] if "applies_to" in copied else pd.Series([()] * len(copied), index=copied.index)
    within = set(zip(inside["outer_level"], inside["outer_unit"], inside["level"], inside["unit"]))
    return pd.Series([not scope or any(target == (level, unit) or (*target, level, unit) in within for target in scope)
                      for scope, level, unit in zip(scopes, copied["level"], copied["unit"])], index=copied.index, dtype=bool)


def flowed_down(notes: pd.DataFrame, org: pd.DataFrame) -> pd.DataFrame:
    """The plan notes (strategy, resources, risk, response) of every unit, copied to each unit
    inside it (company → regions → teams → reps), with `source` the writer's name. A note whose
    `applies_to` names units reaches only those and the units inside them; one without reaches
    every unit inside (a note's text is never parsed for the units it names). Ordered by
    recipient, then outermost source first, then file order."""
    plan = paired_risks(notes[notes["section"].isin(FLOWING)])
    if plan.empty:
        return pd.DataFrame(columns=COLUMNS)
    plan = plan.reset_index(drop=True).assign(_order=lambda f: range(len(f)))
    inside = units_inside(org)
    copied = plan.rename(columns={"level": "outer_level", "unit": "outer_unit"}).merge(
        inside, on=["outer_level", "outer_unit"])
    copied = copied[_concerns(copied, inside)]
    names = _source_names(org)
    copied = copied.assign(
        source=[names.get(u, u) if level == "rep" else u for level, u in zip(copied["outer_level"], copied["outer_unit"])],
        _depth=copied["outer_level"].map(_DEPTH))
    copied = copied.sort_values(["level", "unit", "_depth", "_order"], kind="stable")
    return copied[COLUMNS].reset_index(drop=True)


def rolled_up(notes: pd.DataFrame, org: pd.DataFrame) -> pd.DataFrame:
    """For each unit above the reps and each (month, section, metric) of a summary's notes that the
    unit wrote nothing for: its members' notes (their own, or if they wrote none, their members'
    rolled-up ones), with `source` the member's name, or "member·writer" for a note from deeper down.
    In org order of the members, then file order."""
    summary = _with_response(notes[notes["section"].isin(ROLLING)]).reset_index(drop=True)
    if summary.empty:
        return pd.DataFrame(columns=COLUMNS)
    names = _source_names(org)
    members = {"team": list(dict.fromkeys(zip(org["team"].astype(str), org["rep_id"].astype(str)))),
               "region": list(dict.fromkeys(zip(org["region"].astype(str), org["team"].astype(str)))),
               "company": [(COMPANY_UNIT, region) for region in dict.fromkeys(org["region"].astype(str))]}
    child = {"team": "rep", "region": "team", "company": "region"}
    # effective[(level, unit)][(month, section, metric)] = [(source, text), …]
    effective: dict[tuple[str, str], dict[tuple, list[tuple[str, str]]]] = {}
    for month, level, unit, metric, section, text in zip(summary["month"], summary["level"], summary["unit"],
                                                         summary["metric"], summary["section"], summary["text"]):
        effective.setdefault((level, unit), {}).setdefault((month, section, metric), []).append(("", text))
    rows = []
    for level in ("team", "region", "company"):
        for unit, member in members[level]:
            found = effective.get((child[level], member), {})
            own = effective.setdefault((level, unit), {})
            label = names.get(member, member) if child[level] == "rep" else member
            for key, texts in found.items():
                if key in own and all(source == "" for source, _ in own[key]):
                    continue  # the unit wrote its own note here
                for source, text in texts:
                    attributed = f"{label}·{source}" if source else label
                    own.setdefault(key, []).append((attributed, text))
                    rows.append((key[0], level, unit, key[2], key[1], text, "", attributed))
    return pd.DataFrame(rows, columns=COLUMNS)


def causes(notes: pd.DataFrame, org: pd.DataFrame, month: str) -> dict[tuple[str, str, str], list[tuple[str, str, str]]]:
    """(level, unit, metric) → [(source, text, cause), …]: `month`'s variance reasons a unit's
    差异原因分析 shows — its own (source "") and those of every unit inside it (source the writer's
    name as a reader knows it), outermost writer first, then file order. `cause` is `subjective`,
    `objective` or "" (untagged)."""
    chosen = notes[(notes["month"] == month) & (notes["section"] == "variance_reason")].reset_index(drop=True)
    if chosen.empty:
        return {}
    chosen = chosen.assign(cause=chosen["cause"].fillna("") if "cause" in chosen else "",
                           _order=range(len(chosen)), _depth=chosen["level"].map(_DEPTH))
    names = _source_names(org)
    own = chosen.assign(outer_level=chosen["level"], outer_unit=chosen["unit"], source="")
    inside = units_inside(org).rename(columns={"level": "inner_level", "unit": "inner_unit"})
    below = chosen.merge(inside[["outer_level", "outer_unit", "inner_level", "inner_unit"]],
                         left_on=["level", "unit"], right_on=["inner_level", "inner_unit"])
    below = below.assign(source=[names.get(u, u) if level == "rep" else u for level, u in zip(below["level"], below["unit"])])
    every = pd.concat([own, below], ignore_index=True).sort_values(["_depth", "_order"], kind="stable")
    found: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    for level, unit, metric, source, text, cause in zip(every["outer_level"], every["outer_unit"], every["metric"],
                                                        every["source"], every["text"], every["cause"]):
        found.setdefault((level, unit, metric), []).append((source, text, cause))
    return found


def plan_notes(notes: pd.DataFrame, org: pd.DataFrame, month: str) -> pd.DataFrame:
    """What `month`'s plans show of the notes: each unit's own plan notes (risks paired), then
    the ones flowed down to it."""
    chosen = notes[(notes["month"] == month) & notes["section"].isin(FLOWING)]
    own = paired_risks(chosen).assign(source="")
    return pd.concat([own[COLUMNS], flowed_down(chosen, org)], ignore_index=True)


def member_notes(notes: pd.DataFrame, org: pd.DataFrame, month: str) -> pd.DataFrame:
    """What `month`'s summaries show of their members' notes (rolled_up)."""
    return rolled_up(notes[notes["month"] == month], org)


def by_unit(frame: pd.DataFrame) -> dict[tuple[str, str, str, str], list[tuple[str, str, str]]]:
    """(level, unit, section, metric) → [(source, text, response), …], in the frame's order."""
    index: dict[tuple[str, str, str, str], list[tuple[str, str, str]]] = {}
    for level, unit, section, metric, source, text, response in zip(
            frame["level"], frame["unit"], frame["section"], frame["metric"], frame["source"], frame["text"],
            frame["response"]):
        index.setdefault((level, unit, section, metric), []).append((source, text, response))
    return index
