"""WeasyPrint, imported for the PDF reports, turns on Pillow's acceptance of truncated
images for the whole process; the app must leave it off, or a cut-off upload would pass the
media checks."""
from PIL import ImageFile


def test_the_app_leaves_truncated_images_refused():
    import fieldapp.documents.audit_pdf  # noqa: F401  (WeasyPrint with it)
    from fieldapp import create_app  # noqa: F401

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
