from django.urls import include, path

from learners import views

app_name = "learners"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("learn/courses/<int:course_id>/enroll/", views.course_enroll, name="course_enroll"),
    path("learn/courses/<int:course_id>/review/", views.course_review, name="course_review"),
    path("learn/lessons/<int:lesson_id>/complete/", views.lesson_mark_complete, name="lesson_complete"),
    path("instructor/", views.instructor_home, name="instructor_home"),
    path("instructor/courses/<int:course_id>/students/", views.instructor_course_students,
         name="instructor_course_students"),
    path("", include("learners.urls_assessments")),
    path("", include("learners.urls_interactive")),
]
