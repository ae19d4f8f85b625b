"""(being written)"""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


about = _todo
how = _todo
principles = _todo
questions = _todo
privacy = _todo
accessibility = _todo
