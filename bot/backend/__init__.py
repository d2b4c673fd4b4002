"""The reference dispatch backend: an Open311 GeoReport v2 service with the 12345 rules on top."""
