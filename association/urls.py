from __future__ import annotations

from django.urls import path

from association import views

app_name = "association"

# Mounted under /admin/dashboard/ (config/urls.py), before admin's own patterns: a page of Django admin.
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:slug>.csv", views.figure_csv, name="figure_csv"),
]
