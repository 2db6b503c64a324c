"""Reference data as files: agencies, localities and routing rules in YAML or CSV, with a preview of
what an import changes before it is applied (the demo province is bot/data/demo.yaml)."""
