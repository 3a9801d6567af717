"""Reference catalogues of known clusters (X-CLASS, MCXC, XXL, eFEDS or a scientist's own) and the stored
cross-match of subjects against them. Evaluation reads truth from here."""

from django.db import models

from hunt.subjects.models import Subject
from ml.catalogues import DEFAULT_RADIUS_ARCSEC


class ReferenceCatalogue(models.Model):
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=100, default="1")
    preset = models.CharField(max_length=20)
    citation = models.TextField(blank=True)
    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    column_mapping = models.JSONField(
        default=dict, help_text="Canonical field to file column used."
    )
    # Stored with the catalogue because every metric computed against it depends on it.
    match_radius_arcsec = models.FloatField(default=DEFAULT_RADIUS_ARCSEC)
    row_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "-created_at")
        constraints = [
            models.UniqueConstraint(
                fields=("name", "version"), name="catalogue_unique_name_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class CatalogueEntry(models.Model):
    catalogue = models.ForeignKey(
        ReferenceCatalogue, on_delete=models.CASCADE, related_name="entries"
    )
    source_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    ra = models.FloatField()
    dec = models.FloatField()
    redshift = models.FloatField(null=True, blank=True)
    cluster_class = models.CharField(
        max_length=10, blank=True, help_text="e.g. C1 or C2 in X-CLASS."
    )
    extras = models.JSONField(default=dict, blank=True)
    row_number = models.PositiveIntegerField(help_text="1-based data row in the file.")

    class Meta:
        verbose_name_plural = "catalogue entries"
        ordering = ("catalogue_id", "row_number")
        constraints = [
            models.UniqueConstraint(
                fields=("catalogue", "source_id"), name="entry_unique_source_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.catalogue.name} {self.source_id}"


class CatalogueMatch(models.Model):
    """A subject matched to a catalogue entry: by identifier, or on the sky within the stored radius."""

    class Method(models.TextChoices):
        ID = "id", "Identifier"
        SKY = "sky", "Sky position"

    catalogue = models.ForeignKey(
        ReferenceCatalogue, on_delete=models.CASCADE, related_name="matches"
    )
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="catalogue_matches")
    entry = models.ForeignKey(CatalogueEntry, on_delete=models.CASCADE, related_name="matches")
    method = models.CharField(max_length=5, choices=Method.choices)
    separation_arcsec = models.FloatField(null=True, blank=True)
    radius_arcsec = models.FloatField()

    class Meta:
        verbose_name_plural = "catalogue matches"
        constraints = [
            models.UniqueConstraint(fields=("catalogue", "subject"), name="match_one_per_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ~ {self.entry} ({self.method})"
