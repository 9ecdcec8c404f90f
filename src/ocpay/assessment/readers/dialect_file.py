"""Reader for a dialect file in ocpay's own format: its messages, declared instead of shown by example."""

from __future__ import annotations

from pathlib import Path

from ocpay.assessment.evidence import Documentation, DocumentError, Evidence, Observed
from ocpay.integrations.dialects import DialectError, load_dialect


def read_dialect_file(path: Path) -> Documentation:
    """The messages a dialect file declares, as documentation; DocumentError when the file does not load."""
    try:
        dialect = load_dialect(path)
    except DialectError as exc:
        raise DocumentError(str(exc)) from None
    doc = Documentation(source=path.name, kind="dialect", dialect=dialect, version_hints=list(dialect.ocpp_versions))
    defaults = dialect.parameter_defaults()
    for number, message in enumerate(dialect.messages, start=1):
        evidence = Evidence(path.name, entry=number, excerpt=f"message {message.name} ({message.kind})")
        vendor = dialect.resolve(message.vendor_id, defaults) if message.vendor_id else None
        action = "DataTransfer" if message.kind == "data_transfer" else message.action
        if message.kind == "ocpp_reply":
            continue  # amends a standard answer: the CSMS's business, nothing the station sends
        doc.messages.append(
            Observed(
                kind="declared",
                direction=message.direction,
                action=action,
                payload=None,
                evidence=evidence,
                vendor_id=vendor or message.vendor_id,
                message_id=message.message_id,
                declared_schema=message.schema_,
                declared_reply=message.reply.data if message.reply else message.data,
                declared_event=message.event or next(iter(message.event_by_status.values()), None),
                custom_data_carrier=message.action if message.kind == "custom_data" else None,
            )
        )
        if vendor:
            doc.named_vendor_ids.append(vendor)
        if message.message_id:
            doc.named_message_ids.append(message.message_id)
    return doc
