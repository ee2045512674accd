"""What the cart and checkout refuse, each rendered by the core's one error
handler with its status."""

from __future__ import annotations

from emporium.errors import Conflict, EmporiumError


class ProductNotFound(EmporiumError):
    status = 404

    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} does not exist")
        self.field = "product_id"
        self.message = f"product {product_id} does not exist"


class NotInCart(EmporiumError):
    status = 404

    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} is not in the cart")
        self.field = "product_id"
        self.message = f"product {product_id} is not in the cart"


class OutOfStock(Conflict):
    """Some lines cannot be had in the quantity asked; ``lines`` says which."""

    def __init__(self, lines: list[dict]) -> None:
        names = ", ".join(
            f"{line['name']} ({line['available']} left)" for line in lines
        )
        super().__init__(f"not enough stock for: {names}")
        self.lines = lines


class IdempotencyKeyReused(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "this Idempotency-Key was already used for a different checkout"
        )


def shortage(product, requested: int) -> dict:
    """One line of an ``OutOfStock``: what was asked of ``product``, and what
    there is."""
    return {
        "product_id": product.id,
        "name": product.name,
        "requested": requested,
        "available": product.stock,
    }
