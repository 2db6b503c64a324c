"""Listings: jobs and courses agencies offer people, from staff pages, imports and employers' proposals.

`service` holds every change and every check (refusals are keyed `errors`, their texts in `texts/`);
`fields` reads what was typed into typed values; `imports` reads CSV and XLSX batches; `views` the
staff pages and the public proposal form; `cli` the `hoanhap listings` commands.
"""
