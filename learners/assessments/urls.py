"""Quiz attempts, assignment submissions, files and the gradebook (included by learners/urls.py)."""

from django.urls import path

from learners.assessments import views

urlpatterns = [
    path("quizzes/<str:block_id>/start/", views.quiz_start, name="quiz_start"),
    path("quizzes/attempts/<int:pk>/", views.quiz_attempt, name="quiz_attempt"),
    path("quizzes/attempts/<int:pk>/answer/", views.quiz_answer, name="quiz_answer"),
    path("quizzes/attempts/<int:pk>/submit/", views.quiz_submit, name="quiz_submit"),
    path("assignments/<str:block_id>/submit/", views.assignment_submit_view, name="assignment_submit"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("submissions/files/<int:pk>/", views.submission_file, name="submission_file"),
    path("instructor/courses/<int:course_id>/gradebook/", views.gradebook, name="gradebook"),
]
