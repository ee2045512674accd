"""Idempotency keys: a repeated or concurrent submission of one checkout
(the API's ``Idempotency-Key``, the checkout form's token) gets the same
order back, and the same key for another checkout is refused."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from emporium_cart.models import IdempotencyRecord, Order
from emporium_cart.schemas import CheckoutDetails
from emporium_cart.services.carts import Owner, flush_or_retry
from emporium_cart.services.errors import IdempotencyKeyReused


def fingerprint(details: CheckoutDetails) -> str:
    """What a repeated submission must match to count as the same checkout."""
    payload = {
        "email": details.email,
        "name": details.name,
        "address": details.address,
        "card": details.card["number"][-4:],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def replay(dbsession: Session, owner: Owner, key: str, print_: str) -> Order | None:
    """The order placed earlier under ``key``, or None for a new key;
    ``IdempotencyKeyReused`` when the key was used for another checkout."""
    record = dbsession.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == owner.scope, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.fingerprint != print_:
        raise IdempotencyKeyReused()
    return dbsession.get(Order, record.order_id)


def claim(dbsession: Session, owner: Owner, key: str, print_: str) -> IdempotencyRecord:
    """Write the key's record first, so that a concurrent duplicate waits on
    its unique constraint, then fails and is retried as a replay."""
    record = IdempotencyRecord(scope=owner.scope, key=key, fingerprint=print_)
    dbsession.add(record)
    flush_or_retry(dbsession)
    return record
