"""(being written)"""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


application_list = _todo
application_new = _todo
application_detail = _todo
add_note = _todo
change_status = _todo
