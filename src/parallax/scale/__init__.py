"""Scale-out: replayed load for benchmarks and the Apache Spark backfill engine.

The single-machine engine (`parallax.pipeline`) stays the reference; everything here must give
the same stories from the same input, only faster or on more machines.
"""
