"""Which database objects Alembic compares: ours, not SpatiaLite's or PostGIS's bookkeeping."""
from geoalchemy2 import alembic_helpers


def include_object(metadata):
    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and reflected and compare_to is None:
            return name in metadata.tables
        return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)

    return include
