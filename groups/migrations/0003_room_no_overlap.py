from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

from selvhjelp.migrations_utils import PostgresOnlySQL


class Migration(migrations.Migration):
    """A room holds one group at a time: no two planned meetings overlap in one room."""

    dependencies = [("groups", "0002_groups_meetings_offers")]

    operations = [
        BtreeGistExtension(),
        PostgresOnlySQL(
            sql="""
                ALTER TABLE groups_meeting ADD CONSTRAINT meeting_room_no_overlap
                EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
                WHERE (status = 'planned')
            """,
            reverse_sql="ALTER TABLE groups_meeting DROP CONSTRAINT meeting_room_no_overlap",
        ),
    ]
