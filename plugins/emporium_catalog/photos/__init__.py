"""Product photos: several per product, ordered, each with alt text, kept in
the ``IMediaStore`` as twelve derivatives made once at upload.

A product's photos are its ``images`` cache partition (loaded with its card);
a change invalidates that partition and purges the product's pages after
commit, through the keys collected on flush like every other catalog write."""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    from emporium.pagecache.keys import product_change_keys
    from emporium_catalog.interfaces import IProductPhotos
    from emporium_catalog.models import Product
    from emporium_catalog.photos.models import ProductImage
    from emporium_catalog.photos.service import ProductPhotos
    from emporium_catalog.products.partitions import IMAGES, product_key

    def cache_keys(image: ProductImage, registry) -> list[str]:
        return [product_key(IMAGES, image.product_id)]

    def purge_keys(image: ProductImage, registry) -> list[str]:
        from sqlalchemy.orm import object_session

        session = object_session(image)
        product = session.get(Product, image.product_id) if session else None
        if product is None:
            return []
        return product_change_keys(product.id, product.category_id, product.section)

    config.registry.registerUtility(ProductPhotos(config.registry), IProductPhotos)
    config.register_cache_keys(ProductImage, cache_keys)
    config.register_purge_keys(ProductImage, purge_keys)
