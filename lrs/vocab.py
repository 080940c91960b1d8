"""IRIs from the specs and profiles that Rollcall uses, in one place."""

from __future__ import annotations

XAPI_VERSIONS = ("1.0.3", "2.0.0")

# ADL verbs (xAPI 1.0.3 Appendix, ADL vocabulary)
VERB_VOIDED = "http://adlnet.gov/expapi/verbs/voided"
VERB_REGISTERED = "http://adlnet.gov/expapi/verbs/registered"
VERB_INITIALIZED = "http://adlnet.gov/expapi/verbs/initialized"
VERB_TERMINATED = "http://adlnet.gov/expapi/verbs/terminated"
VERB_SUSPENDED = "http://adlnet.gov/expapi/verbs/suspended"
VERB_RESUMED = "http://adlnet.gov/expapi/verbs/resumed"
VERB_PASSED = "http://adlnet.gov/expapi/verbs/passed"
VERB_FAILED = "http://adlnet.gov/expapi/verbs/failed"
VERB_SCORED = "http://adlnet.gov/expapi/verbs/scored"
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_RESPONDED = "http://adlnet.gov/expapi/verbs/responded"
VERB_COMMENTED = "http://adlnet.gov/expapi/verbs/commented"
VERB_ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VERB_EXPERIENCED = "http://adlnet.gov/expapi/verbs/experienced"
VERB_LAUNCHED = "http://adlnet.gov/expapi/verbs/launched"
VERB_ABANDONED = "https://w3id.org/xapi/adl/verbs/abandoned"
VERB_WAIVED = "https://w3id.org/xapi/adl/verbs/waived"
VERB_SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"

# Rollcall's own extensions (on the system agent's voiding of a course completion fact)
EXTENSION_VOID_REASON = "https://rollcall.invalid/xapi/extensions/void-reason"
EXTENSION_VOIDED_BY = "https://rollcall.invalid/xapi/extensions/voided-by"

# Activity types
ACTIVITY_COURSE = "http://adlnet.gov/expapi/activities/course"
ACTIVITY_LESSON = "http://adlnet.gov/expapi/activities/lesson"
ACTIVITY_ATTEMPT = "http://adlnet.gov/expapi/activities/attempt"
ACTIVITY_MODULE = "http://adlnet.gov/expapi/activities/module"
ACTIVITY_PROFILE = "http://adlnet.gov/expapi/activities/profile"
ACTIVITY_INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"

# ADL xAPI SCORM Profile (adlnet/xAPI-SCORM-Profile)
SCORM_PROFILE_CATEGORY = "https://w3id.org/xapi/scorm"
SCORM_ACTIVITY_STATE = "https://w3id.org/xapi/scorm/activity-state"
SCORM_ATTEMPT_STATE = "https://w3id.org/xapi/scorm/attempt-state"
SCORM_SUSPEND_DATA = "https://w3id.org/xapi/scorm/types/adl-suspend-data"
SCORM_ACTIVITY_PROFILE = "https://w3id.org/xapi/scorm/activity-profile"
SCORM_AGENT_PROFILE = "https://w3id.org/xapi/scorm/agent-profile"
# Rollcall's player: the State it needs that the profile's documents have no property for
# (their schemas allow no other): a SCO attempt's whole CMI, and a course attempt's launch session.
PLAYER_CMI_STATE = "https://rollcall.invalid/xapi/player/cmi-state"
PLAYER_COURSE_ATTEMPT_STATE = "https://rollcall.invalid/xapi/player/course-attempt-state"

# cmi5 (AICC/CMI-5_Spec_Current)
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
CMI5_MOVEON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
CMI5_SESSION_ID = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
CMI5_MASTERY_SCORE = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
CMI5_LAUNCH_MODE = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
CMI5_LAUNCH_URL = "https://w3id.org/xapi/cmi5/context/extensions/launchurl"
CMI5_MOVEON = "https://w3id.org/xapi/cmi5/context/extensions/moveon"
CMI5_LAUNCH_PARAMETERS = "https://w3id.org/xapi/cmi5/context/extensions/launchparameters"
CMI5_RESULT_PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
CMI5_RESULT_REASON = "https://w3id.org/xapi/cmi5/result/extensions/reason"
CMI5_LAUNCH_DATA = "LMS.LaunchData"
CMI5_LEARNER_PREFERENCES = "cmi5LearnerPreferences"
