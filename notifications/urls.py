from __future__ import annotations

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("emails/attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
