"""Demo program data (flask --app portal seed-demo): a believable reference program, fast.

Everything is generated in memory from a seeded random generator, then written with bulk
inserts (ids assigned here) in one transaction; 10,000 advocates take seconds, not minutes.
One builder per domain adds its rows (`base.py` holds what they share); `seed.py` runs them in
order, then the seeds that go through the services (nominations, planning, thanks, ...).
"""
