"""From a case to a report: rule selection by date, an engine run, verdicts, findings."""
