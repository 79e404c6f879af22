from __future__ import annotations

from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("my/data/", views.my_data, name="my_data"),
    path("my/data/export.json", views.export, name="export"),
    path("my/account/delete/", views.delete_account, name="delete_account"),
]
