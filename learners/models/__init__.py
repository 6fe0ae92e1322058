from learners.models.activity import ActivityBlock
from learners.models.analytics import DailyCourseStats, DailySiteStats, LessonFunnel
from learners.models.assignments import AssignmentSubmission, SubmissionFile
from learners.models.enrollment import Enrollment
from learners.models.interactive import AIToolSession, DocumentDownload, H5PResult, VideoProgress, XAPIStatement
from learners.models.progress import BlockCompletion, LessonProgress
from learners.models.quiz import QuizAttempt
from learners.models.reviews import Review

__all__ = [
    "AIToolSession",
    "ActivityBlock",
    "AssignmentSubmission",
    "BlockCompletion",
    "DailyCourseStats",
    "DailySiteStats",
    "DocumentDownload",
    "Enrollment",
    "H5PResult",
    "LessonFunnel",
    "LessonProgress",
    "QuizAttempt",
    "Review",
    "SubmissionFile",
    "VideoProgress",
    "XAPIStatement",
]
