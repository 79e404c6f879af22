from __future__ import annotations

from django.urls import path

from classes import views

app_name = "classes"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<int:pk>-<slug:slug>/", views.course_detail, name="course_detail"),
    path("offers/<str:token>/", views.offer_respond, name="offer_respond"),
]
