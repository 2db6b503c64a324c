"""The admin dashboard: figures over requests, answers and response times (figures.py), drawn as SVG
charts (charts.py) with their tables and CSV downloads."""
