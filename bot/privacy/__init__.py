"""Privacy: what Hòa Nhập keeps about a person, shown to them and erased on their word, the
pseudonyms that stand for them in the question log, and the retention rounds that erase what has
been kept long enough.

`service` is the one path for every erasure (the chat's /xoadulieu, a cancelled request, a refused
consent, a retention round); `pseudonyms` the rotating stand-ins; `retention` the daily round and
`cli` its `hoanhap retention run` command.
"""
