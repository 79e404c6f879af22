from __future__ import annotations

from django.urls import path

from certification import views

app_name = "certification"

# Mounted at the site root: trainings under /training/, verification under
# /certificates/verify/, and the holder's certificate beside the instructor dashboard under /teach/.
urlpatterns = [
    path("training/", views.training_list, name="training_list"),
    path("training/<int:pk>/apply/", views.training_apply, name="training_apply"),
    path("training/progress/", views.progress, name="progress"),
    path("certificates/verify/", views.verify_lookup, name="verify_lookup"),
    path("certificates/verify/<str:token>/", views.verify, name="verify_token"),
    path("teach/certificate/", views.my_certificate, name="my_certificate"),
    path("teach/certificate/certificate.pdf", views.my_certificate_pdf, name="my_certificate_pdf"),
    path("teach/certificate/badge.json", views.my_certificate_badge, name="my_certificate_badge"),
]
