from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from selvhjelp import demo


class Command(BaseCommand):
    help = "Create or refresh the demo centre, its data and the demo logins (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates logins with a published password and only runs with DEBUG on."
            )
        centre = demo.seed()
        self.stdout.write(self.style.SUCCESS(f"Demo centre ready: {centre.name}"))
        self.stdout.write(f"  Staff:   {demo.DEMO_STAFF} / {demo.DEMO_PASSWORD}  → /stab/")
        self.stdout.write(f"  Starter: {demo.DEMO_STARTER} / {demo.DEMO_PASSWORD}")
        self.stdout.write("  Admin:   python manage.py createsuperuser  → /admin/")
