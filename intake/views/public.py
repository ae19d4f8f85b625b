"""(being written)"""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


apply = _todo
received = _todo
lost_link = _todo
applicant = _todo
edit = _todo
withdraw = _todo
export = _todo
export_json = _todo
erase = _todo
