from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    # The storefront's pages.
    config.add_route("cart", "/cart")
    config.add_route("cart.summary", "/cart/summary")
    config.add_route("cart.items", "/cart/items")
    config.add_route("cart.item", r"/cart/items/{product_id:\d{1,18}}")
    config.add_route("checkout", "/checkout")
    config.add_route("order", "/orders/{number}")
    config.add_route("account.orders", "/account/orders")
    # The JSON API.
    config.add_route("api.cart", "/api/v1/cart")
    config.add_route("api.cart.items", "/api/v1/cart/items")
    config.add_route("api.cart.item", "/api/v1/cart/items/{product_id}")
    config.add_route("api.checkout", "/api/v1/checkout")
    config.add_route("api.orders", "/api/v1/orders")
    config.add_route("api.order", "/api/v1/orders/{number}")
