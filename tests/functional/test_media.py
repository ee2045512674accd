"""Uploaded media is served at content-hashed URLs, cacheable for a year."""

from emporium.interfaces import IMediaStore


def test_a_stored_file_is_served_immutable_by_its_content_name(testapp, app_config):
    store = app_config.registry.getUtility(IMediaStore)
    name = store.put(b"RIFF....WEBPVP8 photo", "webp")
    response = testapp.get(f"/images/media/{name}")
    assert response.body == b"RIFF....WEBPVP8 photo"
    assert response.content_type == "image/webp"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Set-Cookie" not in response.headers
    again = testapp.get(
        f"/images/media/{name}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_int == 304


def test_a_name_not_stored_or_not_a_content_name_is_a_404(testapp):
    testapp.get("/images/media/" + "0" * 32 + ".jpg", status=404)
    testapp.get("/images/media/../../etc/passwd", status=404)
    testapp.get("/images/media/" + "a" * 32 + ".exe", status=404)
