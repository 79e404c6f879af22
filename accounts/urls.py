from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("my/account/", views.account_settings, name="settings"),
    path("language/", views.set_language, name="set_language"),
]
