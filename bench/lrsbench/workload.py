"""A seeded, SCORM-profile-like statement workload: learners, courses of SCOs, registrations, results.

Every statement looks like what a SCORM-to-xAPI player sends (ADL's SCORM profile,
https://w3id.org/xapi/scorm): an actor enrolled in a course (one registration per
learner and course), a verb of the profile, an SCO as object, the course as parent and
grouping, the profile as category, sometimes an instructor, and a result with score,
success, completion and duration.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

VERBS = (
    "http://adlnet.gov/expapi/verbs/initialized",
    "http://adlnet.gov/expapi/verbs/experienced",
    "http://adlnet.gov/expapi/verbs/progressed",
    "http://adlnet.gov/expapi/verbs/answered",
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
    "http://adlnet.gov/expapi/verbs/suspended",
    "http://adlnet.gov/expapi/verbs/resumed",
    "http://adlnet.gov/expapi/verbs/terminated",
)
#: How often each verb occurs (a learner experiences and answers far more than they pass).
VERB_WEIGHTS = (8, 30, 15, 20, 5, 3, 2, 6, 6, 5)
SCORM_PROFILE = "https://w3id.org/xapi/scorm"
COURSE_BASE = "https://bench.rollcall.example/courses/"


@dataclass(frozen=True)
class Enrollment:
    """One learner in one course: the registration every statement of theirs there carries."""

    learner: int
    course: int
    registration: str


class Workload:
    """Deterministic for a seed: the same learners, courses, enrollments and statement stream."""

    def __init__(
        self, seed: int, learners: int = 500, courses: int = 40, scos: int = 12, instructors: int = 20
    ) -> None:
        self.rng = random.Random(seed)
        self.learners = learners
        self.courses = courses
        self.scos = scos
        self.instructors = instructors
        self.enrollments = [
            Enrollment(learner, course, self._uuid())
            for learner in range(learners)
            for course in self.rng.sample(range(courses), k=4)
        ]
        self.start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    @staticmethod
    def learner(number: int) -> dict[str, Any]:
        """A learner Agent; one in five is identified by an account, the rest by mbox."""
        if number % 5 == 0:
            return {
                "objectType": "Agent",
                "name": f"Learner {number}",
                "account": {"homePage": "https://bench.rollcall.example", "name": f"learner-{number}"},
            }
        return {"objectType": "Agent", "name": f"Learner {number}", "mbox": f"mailto:learner{number}@bench.example"}

    @staticmethod
    def instructor(number: int) -> dict[str, Any]:
        """An instructor Agent (context.instructor: what related_agents finds)."""
        return {"objectType": "Agent", "name": f"Instructor {number}", "mbox": f"mailto:coach{number}@bench.example"}

    @staticmethod
    def course_id(course: int) -> str:
        return f"{COURSE_BASE}{course:03d}"

    def sco_id(self, course: int, sco: int) -> str:
        return f"{self.course_id(course)}/sco/{sco:02d}"

    def statement(self, with_id: bool = True) -> dict[str, Any]:
        """The next statement of the stream."""
        rng = self.rng
        enrollment = rng.choice(self.enrollments)
        verb = rng.choices(VERBS, VERB_WEIGHTS)[0]
        verb_name = verb.rsplit("/", 1)[1]
        sco = rng.randrange(self.scos)
        course_id = self.course_id(enrollment.course)
        course = {
            "id": course_id,
            "objectType": "Activity",
            "definition": {"type": "http://adlnet.gov/expapi/activities/course"},
        }
        context: dict[str, Any] = {
            "registration": enrollment.registration,
            "contextActivities": {
                "parent": [{"id": course_id, "objectType": "Activity"}],
                "grouping": [course],
                "category": [{"id": SCORM_PROFILE, "objectType": "Activity"}],
            },
            "platform": "Rollcall benchmark",
            "language": "en-US",
            "extensions": {"https://w3id.org/xapi/scorm/extensions/attempt": rng.randint(1, 3)},
        }
        if rng.random() < 0.25:
            context["instructor"] = self.instructor(enrollment.course % self.instructors)
        moment = self.start + timedelta(seconds=rng.randrange(300 * 24 * 3600), milliseconds=rng.randrange(1000))
        statement: dict[str, Any] = {
            "actor": self.learner(enrollment.learner),
            "verb": {"id": verb, "display": {"en-US": verb_name}},
            "object": {
                "objectType": "Activity",
                "id": self.sco_id(enrollment.course, sco),
                "definition": {
                    "type": "http://adlnet.gov/expapi/activities/lesson",
                    "name": {"en-US": f"Course {enrollment.course} lesson {sco}"},
                },
            },
            "context": context,
            "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
        }
        if verb_name in ("answered", "completed", "passed", "failed", "terminated", "progressed"):
            raw = rng.randint(0, 100)
            result: dict[str, Any] = {
                "score": {"scaled": raw / 100, "raw": raw, "min": 0, "max": 100},
                "completion": verb_name != "progressed",
                "duration": f"PT{rng.randint(5, 3600)}S",
            }
            if verb_name in ("passed", "failed", "answered"):
                result["success"] = verb_name != "failed" and raw >= 50
            if verb_name == "answered":
                result["response"] = rng.choice(["true", "false", "a[,]b", "choice-3"])
            statement["result"] = result
        if with_id:
            statement["id"] = self._uuid()
        return statement

    def batch(self, size: int) -> list[dict[str, Any]]:
        """The next ``size`` statements."""
        return [self.statement() for _ in range(size)]
