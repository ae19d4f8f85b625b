"""The real settings, plus guardrails that make mistakes fail loudly in tests."""

from selvhjelp.settings import *  # noqa: F403
from selvhjelp.settings import TEMPLATES


class UndefinedVariable(str):
    """string_if_invalid for our own templates only: any undefined {{ variable }} raises."""

    def __contains__(self, item):
        return item == "%s"

    def __mod__(self, name):
        from django.template import TemplateSyntaxError

        raise TemplateSyntaxError(f"Undefined template variable: {name!r}")


TEMPLATES[0]["OPTIONS"]["string_if_invalid"] = UndefinedVariable("%s")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Tests run with DEBUG off and no collectstatic: serve static files from the finders.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
SMS_BACKEND = "selvhjelp.channels.MemorySMSBackend"
OUTBOX_IN_PROCESS_TIMER = False
# Tests sign in with a password only; the two-factor tests turn this on where they need it.
STAFF_REQUIRE_2FA = False
