from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render

from classes.selectors import course_for_page, upcoming_courses


def catalog(request):
    return render(request, "classes/course_list.html", {"courses": upcoming_courses()})


def course_detail(request, pk: int, slug: str):
    course = course_for_page(pk)
    if course is None:
        raise Http404
    if slug != course.slug:
        return redirect(course, permanent=True)
    return render(request, "classes/course_detail.html", {"course": course})
