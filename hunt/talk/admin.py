"""Talk in the Django admin: boards, discussions and comments, with hide/restore actions for moderators."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from hunt.talk.models import Board, Comment, CommentReport, Discussion, Tag
from hunt.talk.services import comment_hide, comment_restore


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Discussion)
class DiscussionAdmin(admin.ModelAdmin):
    list_display = ("id", "display_title", "board", "subject", "comment_count", "last_comment_at")
    list_filter = ("board",)
    raw_id_fields = ("subject", "created_by")
    search_fields = ("title",)


class ReportInline(admin.TabularInline):
    model = CommentReport
    fk_name = "comment"
    extra = 0
    raw_id_fields = ("reporter", "resolved_by")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "author",
        "discussion",
        "created_at",
        "edited_at",
        "hidden_at",
        "deleted_at",
    )
    list_filter = ("hidden_at", "deleted_at")
    search_fields = ("body", "author__username")
    raw_id_fields = ("discussion", "author", "hidden_by")
    # The HTML is derived from the body by the sanitiser; editing it here would bypass it.
    readonly_fields = (
        "body_html",
        "created_at",
        "edited_at",
        "hidden_at",
        "hidden_by",
        "deleted_at",
    )
    inlines = (ReportInline,)
    actions = ("hide", "restore")

    @admin.action(description="Hide the selected comments")
    def hide(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        for comment in queryset:
            comment_hide(comment=comment, user=request.user)
        messages.success(request, f"Hid {queryset.count()} comment(s).")

    @admin.action(description="Restore the selected comments")
    def restore(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        for comment in queryset:
            comment_restore(comment=comment, user=request.user)
        messages.success(request, f"Restored {queryset.count()} comment(s).")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin):
    list_display = ("id", "comment", "reporter", "created_at", "resolved_at")
    list_filter = ("resolved_at",)
    raw_id_fields = ("comment", "reporter", "resolved_by")
