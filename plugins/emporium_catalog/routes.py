def includeme(config) -> None:
    config.add_route("category", "/categories/{slug}")
    config.add_route("product", r"/products/{id:\d{1,18}}")
    config.add_route("product_image", r"/images/products/{id:\d{1,18}}.svg")
    config.add_route("api.products", "/api/v1/products")
    config.add_route("api.product", "/api/v1/products/{id}")
