from learners.analytics.models import DailyCourseStats, DailySiteStats, LessonFunnel
from learners.assessments.models import AssignmentSubmission, QuizAttempt, SubmissionFile
from learners.enrollment.models import BlockCompletion, Enrollment, LearningTimeDay, LessonProgress, Review
from learners.interactive.models import (
    AIToolSession,
    DocumentDownload,
    H5PAttempt,
    H5PResult,
    LTIAccessToken,
    LTIOnceToken,
    LTIPlatformKey,
    LTIScore,
    LTITool,
    LTIUserId,
    VideoProgress,
    XAPIStatement,
)
from learners.models.activity import ActivityBlock

__all__ = [
    "AIToolSession",
    "ActivityBlock",
    "AssignmentSubmission",
    "H5PAttempt",
    "BlockCompletion",
    "DailyCourseStats",
    "DailySiteStats",
    "DocumentDownload",
    "Enrollment",
    "H5PResult",
    "LearningTimeDay",
    "LessonFunnel",
    "LTIAccessToken",
    "LTIOnceToken",
    "LTIPlatformKey",
    "LTIScore",
    "LTITool",
    "LTIUserId",
    "LessonProgress",
    "QuizAttempt",
    "Review",
    "SubmissionFile",
    "VideoProgress",
    "XAPIStatement",
]
