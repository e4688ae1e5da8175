"""The scanner service: vulnerability feeds, matching, and policy evaluation."""
