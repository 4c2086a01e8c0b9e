"""Staff mailings: writing (compose), the reader's version (rendering), sending
through the outbox (sending), scheduled rules (rules) and opting out (opt_out).

Views, the API, the admin, the e-mail builder and the periodic loop call these
functions; none of them repeats a rule kept here.
"""
