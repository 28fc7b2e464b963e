"""The gunicorn logger scripts/start.sh uses masks device tokens in the error log too (the
access log, through a running gunicorn: tests/integration/test_log_masking.py)."""
import logging

from fieldapp.serving import mask_credential, mask_params


def test_token_parameters_are_masked_and_others_kept():
    assert mask_params("id=abc&lat=1.5&lon=2") == "id=***&lat=1.5&lon=2"
    assert mask_params("GET /osmand?lat=1&DeviceId=abc;token=t&x=id HTTP/1.1") == \
        "GET /osmand?lat=1&DeviceId=***;token=***&x=id HTTP/1.1"
    assert mask_params("/o?%69d=abc&device%5Fid=d&valid=1") == "/o?%69d=***&device%5Fid=***&valid=1"
    assert mask_params("/api/v1/media/12/file") == "/api/v1/media/12/file"
    assert mask_credential("Device abc") == "Device ***" and mask_credential("abc") == "***"


def test_the_error_log_masks_a_failed_requests_uri(tmp_path):
    from gunicorn.config import Config

    from fieldapp.serving import MaskingLogger

    config = Config()
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("loglevel", "info")
    log = MaskingLogger(config)
    try:
        raise ValueError("cannot parse /api/v1/ingest/osmand?lat=1&id=s3cret-token")
    except ValueError:
        log.exception("Error handling request %s", "/api/v1/ingest/osmand?id=s3cret-token")
    log.error("Invalid request from ip=%s: %s", "10.0.0.1", "/x?deviceid=s3cret-token")
    logging.shutdown()
    written = (tmp_path / "error.log").read_text()
    assert "s3cret-token" not in written
    assert written.count("id=***") >= 3 and "ip=10.0.0.1" in written
