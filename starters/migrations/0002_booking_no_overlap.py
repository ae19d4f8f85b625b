from django.db import migrations

from selvhjelp.migrations_utils import PostgresOnlySQL


class Migration(migrations.Migration):
    """A starter is never booked into two overlapping meetings (active bookings only)."""

    dependencies = [
        ("starters", "0001_starters_assignments_bookings"),
        ("groups", "0003_room_no_overlap"),
    ]

    operations = [
        PostgresOnlySQL(
            sql="""
                ALTER TABLE starters_booking ADD CONSTRAINT booking_starter_no_overlap
                EXCLUDE USING gist (starter_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
                WHERE (is_active)
            """,
            reverse_sql="ALTER TABLE starters_booking DROP CONSTRAINT booking_starter_no_overlap",
        ),
    ]
