from django.dispatch import Signal

# Sent after an ingestion committed new subjects: `sender` is the SubjectSet, `created` how many.
subjects_ingested = Signal()
