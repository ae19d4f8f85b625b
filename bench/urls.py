"""The product's URLs and a bare view through the same middleware, for `make bench` only."""

from django.http import HttpResponse
from django.urls import path

from selvhjelp.permissions import public
from selvhjelp.urls import urlpatterns as product_urlpatterns

BARE_PATH = "bench/bare/"


@public
def bare(request):
    """A tiny response through every middleware: what the framework itself costs."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path(BARE_PATH, bare, name="bench-bare"), *product_urlpatterns]
