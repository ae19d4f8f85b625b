# Mounted from selvhjelp/urls.py; this app's pages arrive with its issue.
urlpatterns = []
