"""A worker process of a parallel ``audit verify``: checks one range of ids.

Run by :meth:`mimamoru.audit.log.AuditLog.verify` as ``python -m
mimamoru.audit.verify_worker``. It reads one JSON request from stdin (database URL, audit
key in hex, first and last id: the secrets never appear on a command line), checks that
stretch of the chain with :func:`~mimamoru.audit.log.check_span` and writes the resulting
span as JSON to stdout. Not a command for people.
"""

from __future__ import annotations

import json
import sys

from mimamoru.audit.log import check_span, span_as_json
from mimamoru.db.engine import make_engine


def main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    engine = make_engine(request["url"])
    try:
        with engine.connect() as connection:
            span = check_span(
                connection, bytes.fromhex(request["key"]), request["first_id"], request["last_id"]
            )
    finally:
        engine.dispose()
    sys.stdout.write(span_as_json(span))


if __name__ == "__main__":
    main()
