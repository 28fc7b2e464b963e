"""Which database objects Alembic compares: ours, not SpatiaLite's or PostGIS's bookkeeping,
and on PostgreSQL not what migration 0016 laid out differently there (partitioned pings)."""
from geoalchemy2 import alembic_helpers

# On PostgreSQL pings' client-id key lives in ping_keys, its (cadre_id, recorded_at) index
# is its primary key's, no foreign key names pings.id, and the hot tables keep a unique id
# beside their (cadre_id, id) primary key.
POSTGRES_LAYOUT = {"uq_pings_cadre_client", "ix_pings_cadre_recorded",
                   "fk_challenges_answer_ping", "uq_flags_id", "uq_media_id",
                   "uq_presence_days_id"}


def include_object(metadata, dialect: str):
    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and reflected and compare_to is None:
            return name in metadata.tables
        if dialect == "postgresql" and name in POSTGRES_LAYOUT:
            return False
        return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)

    return include
