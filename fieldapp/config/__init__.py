"""Settings from FIELDAPP_* environment variables, each with a documented default.

`catalogue.SETTINGS` is the single list of what can be configured; `loading.load_settings`
reads it into Flask config; `values.Settings` is the same values as one frozen object, built
once per app, that the services are handed (they never read Flask config).
"""
from .catalogue import SETTINGS, Setting
from .loading import load_settings
from .values import (
    SETTINGS_KEY,
    AuditSettings,
    ChallengeSettings,
    EvaluationSettings,
    IngestSettings,
    LoginSettings,
    MediaSettings,
    MqttBroker,
    MqttSettings,
    Settings,
    app_settings,
    parse_limit,
)

__all__ = ["SETTINGS", "SETTINGS_KEY", "AuditSettings", "ChallengeSettings",
           "EvaluationSettings", "IngestSettings", "LoginSettings", "MediaSettings",
           "MqttBroker", "MqttSettings", "Setting", "Settings", "app_settings", "load_settings",
           "parse_limit"]
