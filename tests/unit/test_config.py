"""Settings from FIELDAPP_* environment variables: cast to their types, and a bad value
stops the app with one line naming it."""
import pytest

from fieldapp.config import SETTINGS, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No FIELDAPP_* setting from the surrounding shell."""
    for setting in SETTINGS:
        monkeypatch.delenv(f"FIELDAPP_{setting.key}", raising=False)


def test_environment_values_are_cast_and_overrides_win(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_TOKEN_TTL_S", "60")
    monkeypatch.setenv("FIELDAPP_FENCE_TOLERANCE_M", "12.5")
    monkeypatch.setenv("FIELDAPP_TIMEZONE", "Asia/Urumqi")
    monkeypatch.setenv("FIELDAPP_MAX_PHOTO_MB", "")  # empty: the default
    settings = load_settings(str(tmp_path), {"TIMEZONE": "Asia/Shanghai"})
    assert (settings["TOKEN_TTL_S"], settings["FENCE_TOLERANCE_M"]) == (60, 12.5)
    assert settings["TIMEZONE"] == "Asia/Shanghai"
    assert settings["MAX_PHOTO_MB"] == 20


@pytest.mark.parametrize("raw, value", [
    ("0", False), ("false", False), ("off", False), ("no", False), (" Off ", False),
    ("1", True), ("true", True), ("on", True), ("YES", True),
])
def test_device_fast_path_takes_the_usual_words_for_yes_and_no(monkeypatch, tmp_path, raw,
                                                               value):
    monkeypatch.setenv("FIELDAPP_DEVICE_FAST_PATH", raw)
    assert load_settings(str(tmp_path))["DEVICE_FAST_PATH"] is value


@pytest.mark.parametrize("key, raw, says", [
    ("DEVICE_FAST_PATH", "maybe", "FIELDAPP_DEVICE_FAST_PATH='maybe' is not a valid bool"),
    ("TOKEN_TTL_S", "12h", "FIELDAPP_TOKEN_TTL_S='12h' is not a valid int"),
    ("FENCE_TOLERANCE_M", "far", "FIELDAPP_FENCE_TOLERANCE_M='far' is not a valid float"),
    ("CHECKIN_WINDOWS", "8-12", "FIELDAPP_CHECKIN_WINDOWS / NIGHT_WINDOW: not a window"),
    ("NIGHT_WINDOW", "06:00-21:00", "FIELDAPP_CHECKIN_WINDOWS / NIGHT_WINDOW: the night"),
    ("PHASH_MAX_DISTANCE", "4", "FIELDAPP_PHASH_MAX_DISTANCE must be 0–3"),
    ("TIMEZONE", "Mars/Olympus", "FIELDAPP_TIMEZONE='Mars/Olympus' is not a time zone"),
])
def test_a_bad_value_exits_with_one_line_naming_it(monkeypatch, tmp_path, key, raw, says):
    monkeypatch.setenv(f"FIELDAPP_{key}", raw)
    with pytest.raises(SystemExit) as exited:
        load_settings(str(tmp_path))
    message = str(exited.value.code)
    assert message.startswith(f"fieldapp: {says}"), message
    assert "\n" not in message


def test_workers_starting_at_once_share_one_instance_secret(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_settings(str(tmp_path))["SECRET_KEY"], range(16)))
    assert len(keys) == 1 and len(keys.pop()) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
