"""Performance at force and national scale: a plan generator, the page benchmark and the load test.

make benchmark   python -m tests.benchmarks.run   (every page, a small and a large plan)
make loadtest    python -m tests.benchmarks.load  (gunicorn on loopback, 20 simulated people)
"""
