"""The importer service: takes in results of distributed analysis made by clients."""
