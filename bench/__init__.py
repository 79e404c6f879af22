"""`make bench`: the pages under load, booking under contention, the reminder sweep and certificate PDFs,
measured on a large bulk-inserted data set; `python -m bench.run` writes bench/RESULTS.md."""
