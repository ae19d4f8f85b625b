"""`make bench`: throughput and latency of the staff pages on seed_scale data (see README)."""
