"""Lading's analysis library: reads container images and catalogs what is installed in them.

It knows nothing of gRPC or of a database, so that both the analyzer service (centralized
analysis) and the client (distributed analysis) use it as it is.
"""

__version__ = "0.1.0"
