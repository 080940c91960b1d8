"""The catalog: e-learning courses, instructional resources and in-person courses (issue 5)."""
