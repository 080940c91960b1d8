"""/xapi/activities/state, /activities/profile, /agents/profile, /activities, /agents (to be written)."""
