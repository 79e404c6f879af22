from __future__ import annotations

app_name = "instructors"

urlpatterns: list = []
