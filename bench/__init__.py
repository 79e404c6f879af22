"""`make bench`: pages under load, booking under contention, the reminder sweep and certificate PDFs, measured
on two bulk-written data sets (1k and 10k courses); `python -m bench.run` writes bench/RESULTS.md and
bench/results.json."""
