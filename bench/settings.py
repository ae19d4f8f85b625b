"""Settings for `make bench`: the product's own settings, served over plain http on loopback.

The runner (bench/run.py) sets DEBUG=0, a SECRET_KEY for the run and ALLOWED_HOSTS in the
environment, so everything else is exactly what production runs. Only what loopback http
and a fair measurement need differs here.
"""

from selvhjelp.settings import *  # noqa: F403

# The product's URLs plus a bare view (the framework's ceiling); never in selvhjelp.urls.
ROOT_URLCONF = "bench.urls"
# There is no TLS proxy in front of gunicorn on loopback.
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
# No timer thread dispatching messages inside the workers while they are measured.
OUTBOX_IN_PROCESS_TIMER = False
