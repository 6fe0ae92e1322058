from .activity import ActivityBlock
from .analytics import DailyCourseStats, DailySiteStats, LessonFunnel
from .assignments import AssignmentSubmission, SubmissionFile
from .enrollment import Enrollment
from .interactive import AIToolSession, DocumentDownload, H5PResult, VideoProgress, XAPIStatement
from .progress import BlockCompletion, LessonProgress
from .quiz import QuizAttempt
from .reviews import Review

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
