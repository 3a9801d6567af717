"""Talk: boards, discussions (one per subject, or titled ones on a board), comments, tags, mentions, reports.

Comments belong to user accounts, not to anonymous `Volunteer` rows: posting needs an account, because a
public conversation needs a name to answer, to @mention and to moderate. Reading needs nothing.

A comment keeps its Markdown source and the sanitised HTML rendered from it when it was written (rendering
and cleaning cost far more than reading a column, and every page view would repeat them). Moderation and
deletion never remove the row: hiding keeps the text for admins; deleting (by its author) blanks it.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse

from hunt.subjects.models import Subject

BODY_MAX_LENGTH = 10_000
TITLE_MAX_LENGTH = 140
TAG_MAX_LENGTH = 40


class Board(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "name")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("talk:board", args=[self.slug])


class Discussion(models.Model):
    """A thread: either a subject's (one per subject, created with its first comment) or a board topic."""

    board = models.ForeignKey(
        Board, null=True, blank=True, on_delete=models.CASCADE, related_name="discussions"
    )
    subject = models.OneToOneField(
        Subject, null=True, blank=True, on_delete=models.CASCADE, related_name="discussion"
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH, blank=True)
    # The title was written with the first comment: when a moderator hides that comment (or its author
    # deletes it) the title goes from every page and API too (kept in the row for the admin).
    title_hidden = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="talk_discussions",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept up to date by the comment services, so the front page lists recent threads with one index walk.
    last_comment_at = models.DateTimeField(null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-last_comment_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(board__isnull=False) | models.Q(subject__isnull=False),
                name="talk_discussion_has_board_or_subject",
            )
        ]
        indexes = [models.Index(fields=["-last_comment_at"], name="talk_discussion_recent")]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        if self.subject_id is not None:
            return reverse("talk:subject", args=[self.subject_id])
        return reverse("talk:discussion", args=[self.pk])

    @property
    def display_title(self) -> str:
        if self.title and not self.title_hidden:
            return self.title
        return f"Subject {self.subject_id}" if self.subject_id else f"Discussion {self.pk}"


class Tag(models.Model):
    """A #hashtag, stored lower-case (#Merger and #merger are one tag)."""

    name = models.CharField(max_length=TAG_MAX_LENGTH, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return f"#{self.name}"

    def get_absolute_url(self) -> str:
        return reverse("talk:tag", args=[self.name])


class Comment(models.Model):
    discussion = models.ForeignKey(Discussion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="talk_comments"
    )
    body = models.TextField(max_length=BODY_MAX_LENGTH, help_text="Markdown source.")
    body_html = models.TextField(
        blank=True, help_text="Sanitised HTML rendered from the body when it was written."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="talk_comments_hidden",
    )
    tags: "models.ManyToManyField[Tag, CommentTag]" = models.ManyToManyField(
        Tag, through="CommentTag", related_name="comments"
    )

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["discussion", "created_at"], name="talk_comment_thread")]

    def __str__(self) -> str:
        return f"Comment {self.pk} by {self.author_id}"

    def get_absolute_url(self) -> str:
        # Threads are paginated: `?comment=` opens the page that holds this comment.
        return f"{self.discussion.get_absolute_url()}?comment={self.pk}#comment-{self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_visible(self) -> bool:
        return self.hidden_at is None and self.deleted_at is None


class CommentTag(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="comment_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="comment_tags")
    # The comment's time, copied here so trending tags are one indexed range scan on this table.
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "tag"], name="talk_commenttag_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="talk_commenttag_recent")]

    def __str__(self) -> str:
        return f"#{self.tag_id} on comment {self.comment_id}"


class Mention(models.Model):
    """An @mention of a user in a comment; unread until the user opens their mentions page."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="talk_mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="talk_mention_unique")
        ]
        indexes = [
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="talk_mention_unread",
            )
        ]

    def __str__(self) -> str:
        return f"Mention of {self.user_id} in comment {self.comment_id}"


class CommentReport(models.Model):
    """A volunteer's report of a comment for moderators; one per reporter per comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="talk_reports"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="talk_reports_resolved",
    )

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="talk_commentreport_once_per_reporter"
            )
        ]

    def __str__(self) -> str:
        return f"Report of comment {self.comment_id} by {self.reporter_id}"
