from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config import views
from config.media import media_urlpatterns

admin.site.site_header = "Nurturing Touch"
admin.site.site_title = _("Nurturing Touch admin")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("config.metrics")),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("classes.urls")),
    path("", include("payments.urls")),
    path("", include("instructors.urls")),
    path("", include("privacy.urls")),
    path("", include("certification.urls")),
    path("", include("notifications.urls")),
    # The association dashboard is a page of Django admin, so it comes before admin's own patterns.
    path("admin/dashboard/", include("association.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "config.views.page_not_found"
handler403 = "config.views.permission_denied"
handler500 = "config.views.server_error"

# Instructor photos at MEDIA_URL, with or without DEBUG, when they are on the local disk.
urlpatterns += media_urlpatterns()
