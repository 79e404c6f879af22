from __future__ import annotations

from django.urls import path

from classes import calendar_views, catalog_views, evaluation_views, views

app_name = "classes"

# Mounted at the site root: the catalog and course pages live under /classes/, the parent's own pages
# under /my/ beside accounts' /my/account/.
urlpatterns = [
    path("classes/", catalog_views.catalog, name="catalog"),
    path("classes/<int:pk>-<slug:slug>/", views.course_detail, name="course_detail"),
    path("classes/<int:pk>/book/", views.book, name="book"),
    path("classes/offers/<str:token>/", views.offer_respond, name="offer_respond"),
    # The link in the evaluation email: the signed token is the key, no sign-in needed.
    path("classes/evaluations/<str:token>/", evaluation_views.evaluation_by_link, name="evaluation_by_link"),
    path("my/bookings/", views.my_bookings, name="my_bookings"),
    path("my/bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("my/bookings/<int:pk>/calendar.ics", views.booking_calendar, name="booking_calendar"),
    path("my/bookings/<int:pk>/evaluation/", evaluation_views.evaluation_mine, name="evaluation_mine"),
    path("my/bookings/calendar/", calendar_views.bookings_feed_renew, name="bookings_feed_renew"),
    # A calendar app fetches this without signing in: the secret token is the key.
    path("calendars/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
    path("my/babies/", views.baby_list, name="baby_list"),
    path("my/babies/add/", views.baby_add, name="baby_add"),
    path("my/babies/<int:pk>/edit/", views.baby_edit, name="baby_edit"),
]
