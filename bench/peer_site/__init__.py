"""A small Django project that serves django-survey-and-report (import name `survey`), the peer that
`python -m bench peer` measures Align against. Benchmark only: never deployed, not needed to run or test Align."""
