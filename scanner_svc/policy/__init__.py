"""Policies in Anchore's v2 layout (rule sets of gate/trigger rules) and their evaluation."""
