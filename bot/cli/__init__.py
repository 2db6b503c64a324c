"""The `hoanhap` command: main.py lists each noun's sub-commands; common.py holds what they share."""
