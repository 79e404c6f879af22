# The default was the value BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS had when 0001 was made, so setting the
# variable to anything else left a pending migration; the field now names a function that reads the
# setting when a course is created. Postgres sees no change: Django keeps Python defaults out of the database.

import classes.models.courses
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('classes', '0007_calendar_feeds_and_session_revisions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='course',
            name='cancellation_cutoff_hours',
            field=models.PositiveSmallIntegerField(default=classes.models.courses.default_cancellation_cutoff_hours, verbose_name='cancellation cutoff (hours before the first session)'),
        ),
    ]
