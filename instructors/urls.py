from __future__ import annotations

from django.urls import path, re_path

from instructors import views

app_name = "instructors"

# Mounted at the site root (config/urls.py): the public directory under /instructors/, the instructor's
# own pages under /teach/.
urlpatterns = [
    path("instructors/", views.directory, name="directory"),
    path("instructors/<slug:slug>/", views.profile_detail, name="profile_detail"),
    path("teach/", views.dashboard, name="dashboard"),
    path("teach/profile/", views.profile_edit, name="profile_edit"),
    path("teach/calendar/", views.teaching_feed_renew, name="teaching_feed_renew"),
    path("teach/payments/", views.payments, name="payments"),
    re_path(
        r"^teach/payments/(?P<year>[1-9][0-9]{3})-(?P<month>0[1-9]|1[0-2])\.csv$",
        views.payments_statement,
        name="payments_statement",
    ),
    path("teach/courses/new/", views.course_create, name="course_create"),
    path("teach/courses/<int:pk>/", views.course_manage, name="course_manage"),
    path("teach/courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("teach/courses/<int:pk>/topics/", views.session_topics, name="session_topics"),
    path("teach/courses/<int:pk>/publish/", views.course_publish, name="course_publish"),
    path("teach/courses/<int:pk>/cancel/", views.course_cancel, name="course_cancel"),
    path("teach/courses/<int:pk>/repeat/", views.course_repeat, name="course_repeat"),
    path("teach/courses/<int:pk>/roster/", views.roster, name="roster"),
    path("teach/courses/<int:pk>/roster.csv", views.roster_csv, name="roster_csv"),
    path("teach/courses/<int:pk>/register/", views.register_print, name="register_print"),
    path("teach/courses/<int:pk>/messages/", views.course_messages, name="course_messages"),
    path("teach/courses/<int:pk>/evaluations/", views.course_evaluations, name="course_evaluations"),
    path("teach/sessions/<int:pk>/register/", views.session_register, name="session_register"),
    path("teach/sessions/<int:pk>/move/", views.session_move, name="session_move"),
    path("teach/sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("teach/sessions/<int:pk>/refund/", views.session_refund_all, name="session_refund_all"),
    path("teach/sessions/<int:pk>/refund/<int:booking>/", views.session_refund, name="session_refund"),
    path("teach/bookings/<int:pk>/paid/", views.booking_paid, name="booking_paid"),
]
