"""The `lading` command line: runs a deployment and talks to one."""
