"""Workflows, classifications and the per-subject aggregates that selection and retirement read.

The write path is designed for concurrency: one classification per volunteer per subject is a database
constraint, replays are recognised by an idempotency key (also a constraint), and vote counts are updated
with `UPDATE ... SET n = n + 1` in the same transaction as the insert, so no update is ever lost.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from hunt.accounts.models import Volunteer
from hunt.subjects.models import Subject, SubjectSet

ANSWERS = ("cluster", "galaxy", "point", "other")
REDSHIFTS = ("low", "high")

# Panoptes' default gold-standard injection: 40 % while a volunteer has seen fewer than 20 subjects,
# 30 % below 40, 20 % below 60, then 10 %.
DEFAULT_GOLD_SCHEDULE: list[tuple[int | None, float]] = [
    (20, 0.4),
    (40, 0.3),
    (60, 0.2),
    (None, 0.1),
]
DEFAULT_RETIREMENT_RULES = [
    {"if": {"expert_label_in": ["other"]}, "reason": "expert_artefact"},
    {"if": {"classifications_at_least": 5, "agreement_at_least": 0.8}, "reason": "consensus"},
]
DEFAULT_ANSWER_HELP = {
    "cluster": "Extended, fuzzy X-ray glow at the centre; in the optical image, a group of similar (often red) "
    "galaxies. At high redshift the glow is small and faint and the galaxies are faint.",
    "galaxy": "One big, bright galaxy at the centre of the optical image, with weak, compact X-ray emission.",
    "point": "A sharp, round X-ray spot the size of the telescope's blur (a distant active galaxy or a star); "
    "often a single point-like optical counterpart.",
    "other": "Something that is not an astronomical source: detector gaps, streaks, the wings of a bright "
    "source nearby, hot pixels, or nothing at all.",
}


def default_gold_schedule() -> list[list[float | None]]:
    return [[below, share] for below, share in DEFAULT_GOLD_SCHEDULE]


def default_retirement_rules() -> list[dict[str, object]]:
    return [dict(rule) for rule in DEFAULT_RETIREMENT_RULES]


def default_answer_help() -> dict[str, str]:
    return dict(DEFAULT_ANSWER_HELP)


class Workflow(models.Model):
    """The question volunteers answer, and the rules (retirement, gold) that admins edit without a deploy."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    question = models.CharField(max_length=300, default="What is at the centre of these images?")
    subject_sets = models.ManyToManyField(SubjectSet, related_name="workflows", blank=True)
    active = models.BooleanField(default=True)
    include_new_sets = models.BooleanField(
        default=True, help_text="Newly ingested subject sets join this workflow automatically."
    )
    ask_redshift = models.BooleanField(
        default=True,
        help_text="Ask whether a cluster is at low or high redshift (five answers instead of four).",
    )
    answer_help = models.JSONField(
        default=default_answer_help, help_text="Help text per answer key."
    )
    retirement_limit = models.PositiveIntegerField(
        default=15,
        help_text="Retire a subject after this many classifications (Panoptes' default is 15).",
    )
    retirement_rules = models.JSONField(
        default=default_retirement_rules,
        blank=True,
        help_text='Checked in order after each classification, e.g. {"if": {"classifications_at_least": 5, '
        '"agreement_at_least": 0.8}, "reason": "consensus"} or {"if": {"expert_label_in": ["other"]}, '
        '"reason": "expert_artefact"}.',
    )
    gold_schedule = models.JSONField(
        default=default_gold_schedule,
        help_text="[[seen_below, share_of_gold], ...]; the last step's seen_below is null.",
    )
    gold_feedback = models.BooleanField(
        default=True, help_text="Tell volunteers what the experts said on gold."
    )
    hidden_gold_share = models.FloatField(
        default=0.2,
        help_text="Share of gold shown without feedback, for unbiased skill measurement.",
    )
    seed = models.PositiveIntegerField(
        default=0, help_text="Seeds priorities and the gold schedule's draws."
    )
    posterior_retire_at = models.FloatField(
        null=True,
        blank=True,
        default=0.995,
        help_text="Retire a subject when its crowd posterior's top class reaches this probability (checked by "
        "the crowd aggregation job, beside the count limit and the rules); empty: never. docs/crowd.md.",
    )
    posterior_min_votes = models.PositiveIntegerField(
        default=3, help_text="Votes a subject needs before its posterior may retire it."
    )
    # Calibration on gold (ml.crowd.skill.calibrate_rates): with a target the crowd job chooses the threshold
    # itself, from the gold subjects' posteriors from their votes alone, and retires at it; posterior_retire_at
    # is then the fallback while there is too little gold.
    posterior_target_fpr = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0001), MaxValueValidator(0.9999)],
        help_text="Calibrate the posterior threshold on gold: at most this share of the gold subjects whose "
        "votes-alone label is wrong may retire (e.g. 0.05). Empty: no FPR target.",
    )
    posterior_target_tpr = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0001), MaxValueValidator(0.9999)],
        help_text="At least this share of the rightly-labelled gold subjects should retire (e.g. 0.8); with an "
        "FPR target too, the FPR decides and the run says whether this held. Empty: no TPR target.",
    )
    posterior_calibrated_at = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="The threshold the latest crowd aggregation calibrated on gold and retired at; empty while "
        "no target is set or there is too little gold (posterior_retire_at applies then).",
    )
    # Bumped whenever what a volunteer answers changes (question, answers, redshift follow-up).
    version = models.PositiveIntegerField(default=1)
    # Bumped when priorities are rewritten (e.g. by the learning loop): volunteers' walk cursors restart.
    priority_epoch = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class SubjectStatus(models.Model):
    """A subject within a workflow: its vote counts, gold flag, retirement and selection priority."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="statuses")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="statuses")
    priority = models.FloatField()
    is_gold = models.BooleanField(default=False)
    # The subject's gold answer (its first gold expert label), kept here so the classification write reads
    # it from the row it already locks instead of querying the labels; "" when not gold.
    gold_label = models.CharField(max_length=20, blank=True, default="")
    classification_count = models.PositiveIntegerField(default=0)
    cluster_count = models.PositiveIntegerField(default=0)
    cluster_low_count = models.PositiveIntegerField(default=0)
    cluster_high_count = models.PositiveIntegerField(default=0)
    galaxy_count = models.PositiveIntegerField(default=0)
    point_count = models.PositiveIntegerField(default=0)
    other_count = models.PositiveIntegerField(default=0)
    retired_at = models.DateTimeField(null=True, blank=True)
    retirement_reason = models.CharField(max_length=50, blank=True)
    # The crowd posterior p(class | votes, volunteer skills), written by the aggregation job (never by the
    # classification write path): class -> probability, the votes it counted, and when.
    posterior = models.JSONField(default=dict, blank=True)
    posterior_cluster = models.FloatField(null=True, blank=True)
    posterior_votes = models.PositiveIntegerField(default=0)
    posterior_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "subject statuses"
        constraints = [
            models.UniqueConstraint(
                fields=("workflow", "subject"), name="status_one_per_workflow_subject"
            ),
        ]
        indexes = [
            # The selection walk: active subjects of a workflow in priority order, gold and non-gold apart.
            models.Index(
                fields=("workflow", "is_gold", "priority"),
                name="status_walk_idx",
                condition=models.Q(retired_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} in {self.workflow.slug}"

    def answer_counts(self) -> dict[str, int]:
        return {answer: getattr(self, f"{answer}_count") for answer in ANSWERS}


class Classification(models.Model):
    class Answer(models.TextChoices):
        CLUSTER = "cluster", "Galaxy cluster"
        GALAXY = "galaxy", "Nearby galaxy"
        POINT = "point", "Point source (star or AGN)"
        OTHER = "other", "Other / artefact"

    class Redshift(models.TextChoices):
        NONE = "", "Not asked"
        LOW = "low", "Low redshift"
        HIGH = "high", "High redshift"

    workflow = models.ForeignKey(Workflow, on_delete=models.PROTECT, related_name="classifications")
    workflow_version = models.PositiveIntegerField()
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="classifications")
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, related_name="classifications"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices)
    redshift = models.CharField(max_length=4, choices=Redshift.choices, blank=True, default="")
    idempotency_key = models.UUIDField(default=uuid.uuid4)
    was_gold = models.BooleanField(default=False)
    # Whether the volunteer was signed in when classifying, as Zooniverse records it: an anonymous volunteer
    # who signs up later keeps the earlier classifications as not logged in (exports read this, not the
    # volunteer's account today). A database default too, so raw SQL writers need not name it.
    logged_in_at_classification = models.BooleanField(default=False, db_default=False)
    feedback_shown = models.BooleanField(default=False)
    time_spent_ms = models.PositiveIntegerField(null=True, blank=True)
    viewer_state = models.JSONField(default=dict, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    ip_hash = models.CharField(
        max_length=64, blank=True, help_text="Salted SHA-256 of the client address."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("id",)
        constraints = [
            models.UniqueConstraint(
                fields=("volunteer", "subject", "workflow"),
                name="classification_one_per_volunteer_subject",
            ),
            models.UniqueConstraint(
                fields=("idempotency_key",), name="classification_idempotency_key"
            ),
        ]
        indexes = [models.Index(fields=("subject", "workflow"), name="classification_subject_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.volunteer} → {self.subject}: {self.answer}"


class VolunteerProgress(models.Model):
    """Where a volunteer is in a workflow: counts for the gold schedule and cursors for the selection walk."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="progress")
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="progress")
    seen_count = models.PositiveIntegerField(default=0)
    gold_seen = models.PositiveIntegerField(default=0)
    gold_correct = models.PositiveIntegerField(default=0)
    cursor = models.FloatField(default=-1.0)
    gold_cursor = models.FloatField(default=-1.0)
    cursor_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "volunteer progress"
        constraints = [
            models.UniqueConstraint(
                fields=("volunteer", "workflow"), name="progress_one_per_workflow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} in {self.workflow.slug}: {self.seen_count} seen"


class CrowdAggregation(models.Model):
    """One batch run of the crowd model (Dawid-Skene with gold clamped) over a workflow's votes."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="aggregations")
    method = models.CharField(max_length=40)
    params = models.JSONField(default=dict)
    classifications = models.PositiveIntegerField(default=0)
    # The newest classification it read: the next run is skipped when nothing newer arrived.
    last_classification_id = models.BigIntegerField(default=0)
    subjects = models.PositiveIntegerField(default=0)
    volunteers = models.PositiveIntegerField(default=0)
    gold = models.PositiveIntegerField(default=0)
    iterations = models.PositiveIntegerField(default=0)
    converged = models.BooleanField(default=False)
    retired = models.PositiveIntegerField(default=0)
    stats = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.method} #{self.pk} ({self.classifications} votes)"


class SubjectPosteriorHistory(models.Model):
    """A subject's posterior after an aggregation that saw new votes on it."""

    status = models.ForeignKey(SubjectStatus, on_delete=models.CASCADE, related_name="posteriors")
    aggregation = models.ForeignKey(CrowdAggregation, on_delete=models.CASCADE, related_name="+")
    probabilities = models.JSONField()
    votes = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("status_id", "id")
        indexes = [models.Index(fields=("status", "id"), name="posterior_history_idx")]

    def __str__(self) -> str:
        return f"{self.status_id} after {self.votes} votes"


class VolunteerSkill(models.Model):
    """What the crowd model learnt about one volunteer in one workflow (docs/crowd.md)."""

    class Flag(models.TextChoices):
        NONE = "", "None"
        CONSTANT = "constant", "Nearly always the same answer"
        UNINFORMATIVE = "uninformative", "No better than chance on gold"

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="skills")
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="skills")
    # Dawid-Skene confusion [true][answer] (rows sum to 1) and the gold-only (SWAP) one with pseudo-counts.
    confusion = models.JSONField(default=list)
    gold_confusion = models.JSONField(default=list)
    gold_counts = models.JSONField(default=list)
    classifications = models.PositiveIntegerField(default=0)
    gold_seen = models.PositiveIntegerField(default=0)
    gold_correct = models.PositiveIntegerField(default=0)
    information_bits = models.FloatField(default=0.0)
    weight = models.FloatField(
        default=1.0, help_text="Power on this volunteer's votes in the posterior."
    )
    flag = models.CharField(max_length=20, choices=Flag.choices, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("volunteer", "workflow"), name="skill_one_per_workflow")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} in {self.workflow.slug}"
