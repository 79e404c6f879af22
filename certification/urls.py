from __future__ import annotations

from django.urls import path

from certification import payment_views, views

app_name = "certification"

# Mounted at the site root: trainings under /training/, verification under /certificates/, the holder's
# certificate beside the instructor dashboard under /teach/, and what verifiers fetch without asking us:
# the issuer's DID document and keys under /.well-known/ and the revocation lists under /credentials/.
urlpatterns = [
    path("training/", views.training_list, name="training_list"),
    path("training/<int:pk>/apply/", views.training_apply, name="training_apply"),
    path("training/progress/", views.progress, name="progress"),
    path("training/progress/<int:pk>/pay-fee/", payment_views.pay_training_fee, name="pay_training_fee"),
    path("certificates/verify/", views.verify_lookup, name="verify_lookup"),
    path("certificates/verify/<str:token>/", views.verify, name="verify_token"),
    path("certificates/verify/<str:token>/credential.jwt", views.credential_jwt, name="credential_jwt"),
    path("certificates/verify/<str:token>/credential.json", views.credential_json, name="credential_json"),
    path("certificates/verify/<str:token>/badge.png", views.credential_png, name="credential_png"),
    path("certificates/check/", views.check_credential, name="check_credential"),
    path("teach/certificate/", views.my_certificate, name="my_certificate"),
    path("teach/certificate/renew/", payment_views.renew_certificate, name="renew_certificate"),
    path("teach/certificate/certificate.pdf", views.my_certificate_pdf, name="my_certificate_pdf"),
    path("teach/certificate/credential.jwt", views.my_credential_jwt, name="my_credential_jwt"),
    path("teach/certificate/credential.json", views.my_credential_json, name="my_credential_json"),
    path("teach/certificate/badge.png", views.my_credential_png, name="my_credential_png"),
    # The unsigned export of before: now the same signed credential, decoded, as credential.json.
    path("teach/certificate/badge.json", views.my_credential_json, name="my_certificate_badge"),
    path(".well-known/did.json", views.did_document, name="did_document"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("credentials/status/<int:number>", views.status_list, name="status_list"),
]
