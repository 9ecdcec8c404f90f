"""The gaps and notes of an assessment beyond those of the closest dialect's comparison.

Custom messages no dialect takes (and the data the station expects back for them), message ids a
document names without an example, and whether the documentation shows card payments at all
(`shows_payments`: without it the outcome is `no_payment_evidence`, not a gap).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ocpay.assessment.evidence import Documentation, arrow
from ocpay.assessment.fit import DialectFit
from ocpay.assessment.gaps import Gap
from ocpay.assessment.message_set import TOKEN_KEY, CustomShape, MessageSet

_SESSION_STARTS = ("StartTransaction", "TransactionEvent")  # a shared idTag counts once per session

_FILLABLE = ("receipturl", "receipt_url", "timestamp", "time", "status")  # answer fields ocpay can fill


@dataclass(slots=True)
class Findings:
    """Every gap of an assessment, the notes worth saying, and the custom messages safe to ignore."""

    gaps: list[Gap] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ignored: list[CustomShape] = field(default_factory=list)
    payment_evidence: bool = False  # the documentation shows anything that can tell of a card payment


def find_gaps(doc: Documentation, mset: MessageSet, fits: list[DialectFit], best: DialectFit | None) -> Findings:
    """Breaches of the official schemas, messages the closest dialect does not take, its own gaps, and the rest."""
    found = Findings(gaps=list(mset.violations))
    for shape in best.unmatched if best else mset.custom:
        if shape.ignorable:
            found.ignored.append(shape)
        else:
            found.gaps += _unknown_message(shape, fits, best)
    found.notes += [
        f"{shape.name} was answered {'/'.join(shape.answer_statuses)} and the station carried "
        f"on: not needed for card payments, ignored"
        for shape in found.ignored
    ]
    if best:
        found.gaps += best.all_gaps
        found.notes += best.notes + [n for f in best.fits for n in f.notes]
    named = _named_without_example(doc, mset, fits)
    found.gaps += named
    found.payment_evidence = bool(named) or shows_payments(mset, best)
    return found


def shows_payments(mset: MessageSet, best: DialectFit | None) -> bool:
    """Anything that can tell of a card payment: a custom message, a dialect that explains some message, a
    DirectPayment or CSMS-issued token, cost fields, an idTag prefix, or one idTag shared by two sessions.

    One session's idTag alone is an RFID card's as much as a terminal's: it shows no payment.
    """
    conventions = mset.conventions
    if mset.custom or best is not None or conventions.cost_fields:
        return True
    if conventions.rule in ("direct_payment", "csms_issued", "id_tag_prefix"):
        return True
    sessions = sum(o.count for action, value, o in conventions.id_tags
                   if value == conventions.static and action in _SESSION_STARTS)  # fmt: skip
    return conventions.rule == "static_id_tag" and sessions >= 2


def _unknown_message(shape: CustomShape, fits: list[DialectFit], best: DialectFit | None) -> list[Gap]:
    """A message the closest dialect does not take, and the data the CSMS would have to compute for it."""
    known_by = [f.dialect.id for f in fits if f is not best and shape not in f.unmatched]
    detail = "no dialect knows this message"
    if known_by:
        detail = (
            f"not part of {best.dialect.id if best else 'any matching dialect'}; {', '.join(known_by)} "
            f"has a message with that id, but one station uses one dialect"
        )
    gaps = [Gap("unknown_message", shape.name, detail + _shape_summary(shape), shape.evidence)]
    if shape.direction == "to_csms" and shape.expects_data:
        unfillable = [k for k in shape.answer_fields if not _fillable(k, shape)]
        if unfillable:
            gaps.append(
                Gap(
                    "needs_csms_data",
                    shape.name,
                    f"the station expects the CSMS to answer with data ({', '.join(unfillable)}) "
                    f"that ocpay cannot compute today",
                    shape.evidence,
                )
            )
    if shape.direction == "to_station":
        fields = sorted(shape.fields())
        gaps.append(
            Gap(
                "needs_csms_data",
                shape.name,
                "the CSMS must send this message and compute its data"
                + (f" (fields {', '.join(fields)})" if fields else ""),
                shape.evidence,
            )
        )
    return gaps


def _named_without_example(doc: Documentation, mset: MessageSet, fits: list[DialectFit]) -> list[Gap]:
    """A document that names message ids but shows no custom message: each unknown name is a gap."""
    if doc.kind != "document" or mset.custom:
        return []
    known = {m.message_id for f in fits for m in f.dialect.messages}
    return [
        Gap("unknown_message", name, "named in the document without an example: its data cannot be assessed")
        for name in doc.named_message_ids
        if name not in known
    ]


def _shape_summary(shape: CustomShape) -> str:
    fields = sorted(shape.fields())
    count = sum(o.count for o in shape.observations)
    text = f" ({arrow(shape.direction)}, seen {count} time(s)"
    if fields:
        text += f", fields {', '.join(fields)}"
    return text + ")"


def _fillable(key: str, shape: CustomShape) -> bool:
    return bool(TOKEN_KEY.match(key) or key.lower() in _FILLABLE or key in shape.fields())
