"""Product photos: several per product, ordered, each with alt text, kept in
the ``IMediaStore`` as twelve derivatives made once at upload.

A product's photos are its ``images`` cache partition (loaded with its card);
a change invalidates that partition and purges the product's pages after
commit, through the keys collected on flush like every other catalog write."""

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    from emporium.interfaces import IMediaStore
    from emporium.pagecache.keys import product_change_keys
    from emporium.settings import setting_value
    from emporium_catalog.interfaces import IProductPhotos
    from emporium_catalog.models import Product
    from emporium_catalog.photos.models import ProductImage
    from emporium_catalog.photos.service import ProductPhotos
    from emporium_catalog.photos.sweeping import UnusedPhotoFiles
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
    # `emporium sweep` removes the files no photo names any more.
    keep = setting_value(config.get_settings(), "emporium.media.sweep_after")
    store = config.registry.getUtility(IMediaStore)
    config.add_sweeper(UnusedPhotoFiles(store, keep), "photo-files")
    config.register_cache_keys(ProductImage, cache_keys)
    config.register_purge_keys(ProductImage, purge_keys)
