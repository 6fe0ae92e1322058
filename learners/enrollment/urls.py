"""Enrolling, completing a text lesson, reviewing, the dashboard and the instructor's student
lists (included in the `learners` namespace by learners/urls.py)."""

from django.urls import path

from learners.enrollment import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("learn/courses/<int:course_id>/enroll/", views.course_enroll, name="course_enroll"),
    path("learn/courses/<int:course_id>/complete/", views.course_finished, name="course_finished"),
    path("learn/courses/<int:course_id>/review/", views.course_review, name="course_review"),
    path("learn/courses/<int:course_id>/search/", views.course_search_page, name="course_search"),
    path("learn/courses/<int:course_id>/ask/", views.course_ask_page, name="course_ask"),
    path("learn/lessons/<int:lesson_id>/complete/", views.lesson_mark_complete, name="lesson_complete"),
    path("instructor/", views.instructor_home, name="instructor_home"),
    path(
        "instructor/courses/<int:course_id>/students/",
        views.instructor_course_students,
        name="instructor_course_students",
    ),
]
