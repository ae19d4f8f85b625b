from django.core.management.base import BaseCommand, CommandError

from selvhjelp import retention
from selvhjelp.models import Centre


class Command(BaseCommand):
    help = (
        "Remove personal data whose retention time is up, by every registered rule and each "
        "centre's schedule. --dry-run lists what would go (counts and ids) and removes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be removed; remove nothing."
        )
        parser.add_argument("--centre", metavar="SLUG", help="Only this centre.")

    def handle(self, *args, dry_run=False, centre=None, **options):
        scope = None
        if centre:
            scope = Centre.objects.filter(slug=centre).first()
            if scope is None:
                raise CommandError(f"No centre with the short name {centre!r}.")
        report = retention.purge(dry_run=dry_run, trigger="command", centre=scope)
        verb = "would remove" if dry_run else "removed"
        if dry_run:
            self.stdout.write("Dry run: nothing is removed.")
        for finding in report.findings:
            if not finding.ids and not finding.removed:
                continue
            ids = ", ".join(str(pk) for pk in finding.ids)
            self.stdout.write(
                f"{finding.rule.key} at {finding.centre} ({finding.months} months): "
                f"{verb} {finding.removed} — ids {ids}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Would remove' if dry_run else 'Removed'} {report.total} in all "
                f"(retention run {report.run.pk})."
            )
        )
