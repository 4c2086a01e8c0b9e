"""The staff mailing screens in the Wagtail admin: compose, preview, send, the
job's progress (mailings.py) and the e-mail log (log.py)."""
