from django.db import migrations, models


class Migration(migrations.Migration):
    """The waiting list's age filter reads its centre's applications of the chosen statuses
    in the age range from one index, instead of AND-ing a centre/birth-date index with the
    status index (which covers every centre's open applications)."""

    dependencies = [
        ("intake", "0002_application_reminders_inactive"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="application", name="application_age_idx"),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                fields=["centre", "status", "birth_date"], name="application_status_age_idx"
            ),
        ),
    ]
