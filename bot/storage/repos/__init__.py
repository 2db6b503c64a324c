"""Repositories, one module per noun: queries over the unit of work's session, named for what they
answer. They flush when they need ids, and never commit (the unit of work does)."""
