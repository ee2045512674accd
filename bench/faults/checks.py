"""The invariants of one drill, read from PostgreSQL before and after it
(with no checkout in flight): orders, payments, stock and carts."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import psycopg

from bench.faults.traffic import RecordingPool


@dataclass
class Before:
    """The store as the drill found it."""

    last_order: int
    stock: int
    units: int
    carts: dict[str, dict[int, int]]  # session id -> product -> quantity
    keys: set[str]  # Idempotency-Keys the shoppers had used already


def _carts(conn) -> dict[str, dict[int, int]]:
    held: dict[str, dict[int, int]] = defaultdict(dict)
    for session, product, quantity in conn.execute(
        """SELECT c.session_id, l.product_id, l.quantity FROM carts c
           JOIN cart_lines l ON l.cart_id = c.id WHERE c.session_id IS NOT NULL"""
    ):
        held[session][product] = quantity
    return dict(held)


def _totals(conn) -> tuple[int, int, int]:
    return conn.execute(
        """SELECT (SELECT coalesce(max(id), 0) FROM orders),
                  (SELECT coalesce(sum(stock), 0) FROM products),
                  (SELECT coalesce(sum(quantity), 0) FROM order_lines)"""
    ).fetchone()


def before(url: str, pool: RecordingPool) -> Before:
    with psycopg.connect(url) as conn:
        last, stock, units = _totals(conn)
        return Before(last, stock, units, _carts(conn), set(pool.checkouts))


def after(url: str, was: Before, pool: RecordingPool) -> dict[str, int]:
    """The drill's figures; every name in ``NEVER`` must be 0."""
    tried = {k: c for k, c in pool.checkouts.items() if k not in was.keys}
    seen = {c.number for c in tried.values() if c.number}
    # An order made now may answer a key first tried before the drill.
    answered = {c.number for c in pool.checkouts.values() if c.number}
    with psycopg.connect(url) as conn:
        _, stock, units = _totals(conn)
        new = conn.execute(
            "SELECT number, coalesce(payment_reference, '') FROM orders WHERE id > %s",
            (was.last_order,),
        ).fetchall()
        found = {
            n
            for (n,) in conn.execute(
                "SELECT number FROM orders WHERE number = ANY(%s)", (list(seen),)
            )
        }
        doubled_keys = conn.execute(
            """SELECT count(*) FROM (SELECT key FROM idempotency_keys
               WHERE key = ANY(%s) GROUP BY scope, key
               HAVING count(DISTINCT order_id) > 1) d""",
            (list(tried),),
        ).fetchone()[0]
        held = _carts(conn)
    references = [r for _, r in new if r]
    checked = {s: c for s, c in was.carts.items() if s not in pool.moved}
    return {
        "checkouts tried": len(tried),
        "checkouts answered 201": len(seen),
        "orders made": len(new),
        "orders lost": len(seen - found),
        "orders doubled": doubled_keys + len(references) - len(set(references)),
        "orders without a 201": len({n for n, _ in new} - answered),
        "orders without a payment": len(new) - len(references),
        "checkouts left unanswered": sum(1 for c in tried.values() if c.open),
        "stock taken": was.stock - stock,
        "units ordered": units - was.units,
        "carts checked": len(checked),
        "carts lost": sum(
            1
            for session, lines in checked.items()
            if any(held.get(session, {}).get(p, 0) < q for p, q in lines.items())
        ),
    }


def after_retrying(url: str, was: Before, pool: RecordingPool) -> dict:
    """``after``, waiting up to a minute for a database still coming back."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return after(url, was, pool)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


# Counts of what must never happen.
NEVER = (
    "orders lost",
    "orders doubled",
    "orders without a 201",
    "orders without a payment",
    "carts lost",
)


def broken(figures: dict[str, int]) -> list[str]:
    found = [f"{name}: {figures[name]}" for name in NEVER if figures[name]]
    if figures["stock taken"] != figures["units ordered"]:
        found.append(
            f"stock taken {figures['stock taken']} ≠ units ordered "
            f"{figures['units ordered']}"
        )
    return found
