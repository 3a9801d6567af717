"""Talk pages: the front page, boards, threads, a subject's page, tags, users, mentions and moderation.

Reading needs nothing; writing needs an account. Forms post to these views and work without JavaScript;
static/js/talk.js only adds the image viewer and confirmations.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hunt.accounts.permissions import admin_required
from hunt.accounts.roles import is_admin
from hunt.accounts.services import volunteer_for_request
from hunt.classify.models import SubjectStatus
from hunt.classify.selectors import subject_payload
from hunt.classify.talk import talk_url
from hunt.core.params import ascii_int
from hunt.morphology.selectors import morphology_for_viewer
from hunt.similarity.selectors import similar_subjects
from hunt.subjects.models import Subject
from hunt.talk import selectors
from hunt.talk.forms import CommentForm, DiscussionForm, ReportForm
from hunt.talk.models import Board, Comment, Discussion, Tag
from hunt.talk.services import (
    TalkError,
    comment_create,
    comment_delete,
    comment_hide,
    comment_report,
    comment_restore,
    comment_update,
    discussion_create,
    mentions_mark_read,
    reports_dismiss,
    subject_comment_create,
)
from hunt.talk.throttling import comment_post_allowed

PAGE_SIZE = 30
# A thread renders this many comments per page (20,000 comments took 16.5 s as one 9 MB page).
THREAD_PAGE_SIZE = 50
SIMILAR_SHOWN = 10
THROTTLED = "You're posting faster than we allow. Please wait a minute and try again."


@dataclass
class ThreadItem:
    """A comment as one reader sees it."""

    comment: Comment
    role: str
    show_content: bool
    can_edit: bool
    can_report: bool
    reported: bool
    can_moderate: bool


def thread_items(
    comments: list[Comment], viewer: AbstractBaseUser | AnonymousUser
) -> list[ThreadItem]:
    reported = selectors.reported_by(user=viewer, comments=comments)
    admin = is_admin(viewer)
    items = []
    for comment in comments:
        mine = viewer.is_authenticated and comment.author_id == viewer.pk
        items.append(
            ThreadItem(
                comment=comment,
                role=selectors.comment_author_role(comment),
                show_content=selectors.comment_visible_content(comment, viewer),
                can_edit=bool(mine and comment.is_visible),
                can_report=bool(viewer.is_authenticated and not mine and comment.is_visible),
                reported=comment.pk in reported,
                can_moderate=admin and not comment.is_deleted,
            )
        )
    return items


def _post_comment(
    request: HttpRequest, post: Callable[[str], Comment]
) -> tuple[CommentForm, HttpResponse | None]:
    """Handle a comment form: returns the bound form and, on success, the redirect to the new comment."""
    form = CommentForm(request.POST)
    if not request.user.is_authenticated:
        messages.error(request, "Log in or sign up to join the discussion.")
        return form, None
    if not form.is_valid():
        return form, None
    if not comment_post_allowed(request):
        form.add_error(None, THROTTLED)
        return form, None
    try:
        comment = post(form.cleaned_data["body"])
    except TalkError as error:
        form.add_error(None, error.message)
        return form, None
    # A new comment is the thread's last: while the thread fits on one page, the plain anchor is enough.
    on_first_page = (
        Comment.objects.filter(discussion_id=comment.discussion_id).count() <= THREAD_PAGE_SIZE
    )
    url = comment.get_absolute_url()
    return form, HttpResponseRedirect(
        f"{comment.discussion.get_absolute_url()}#comment-{comment.pk}" if on_first_page else url
    )


def _thread_page(request: HttpRequest, comments: QuerySet[Comment]) -> Page[Comment]:
    """One page of a thread (oldest first); `?comment=<id>` opens the page that holds that comment."""
    paginator = Paginator(comments, THREAD_PAGE_SIZE)
    wanted = ascii_int(request.GET.get("comment"), minimum=1)
    if wanted is not None:
        target = comments.filter(pk=wanted).values_list("created_at", flat=True).first()
        if target is not None:
            before = (
                comments.filter(created_at__lt=target).count()
                + comments.filter(created_at=target, pk__lte=wanted).count()
            )
            return paginator.get_page(max(1, -(-before // THREAD_PAGE_SIZE)))
    return paginator.get_page(request.GET.get("page"))


def _status(form: CommentForm | DiscussionForm) -> int:
    if not form.is_bound or not form.errors:
        return 200
    return 429 if THROTTLED in form.non_field_errors() else 400


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "talk/index.html",
        {
            "boards": selectors.boards_with_counts(),
            "recent": selectors.discussions_recent(limit=12),
            "trending": selectors.tags_trending(),
            "trending_days": selectors.TRENDING_DAYS,
            "unread_mentions": selectors.mentions_unread_count(user=request.user),
        },
    )


def board(request: HttpRequest, slug: str) -> HttpResponse:
    the_board = get_object_or_404(Board, slug=slug)
    form = DiscussionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        if form.is_valid():
            if not comment_post_allowed(request):
                form.add_error(None, THROTTLED)
            else:
                try:
                    discussion = discussion_create(
                        board=the_board,
                        author=request.user,
                        title=form.cleaned_data["title"],
                        body=form.cleaned_data["body"],
                    )
                except TalkError as error:
                    form.add_error(None, error.message)
                else:
                    return redirect(discussion.get_absolute_url())
    page = Paginator(selectors.discussions_of_board(board=the_board), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "talk/board.html",
        {"board": the_board, "page": page, "form": form},
        status=_status(form),
    )


def discussion(request: HttpRequest, pk: int) -> HttpResponse:
    the_discussion = get_object_or_404(Discussion.objects.select_related("board"), pk=pk)
    if the_discussion.subject_id is not None:
        return redirect(the_discussion.get_absolute_url())
    form = CommentForm()
    if request.method == "POST":
        form, done = _post_comment(
            request,
            lambda body: comment_create(discussion=the_discussion, author=request.user, body=body),
        )
        if done:
            return done
    page = _thread_page(request, selectors.comments_of_discussion(discussion=the_discussion))
    return render(
        request,
        "talk/discussion.html",
        {
            "discussion": the_discussion,
            "page": page,
            "items": thread_items(list(page.object_list), request.user),
            "form": form,
        },
        status=_status(form),
    )


def subject(request: HttpRequest, pk: int) -> HttpResponse:
    """A subject's Talk page: its images in the classify page's viewer, its facts and its discussion."""
    the_subject = get_object_or_404(
        Subject.objects.select_related("subject_set").prefetch_related("cutouts"), pk=pk
    )
    form = CommentForm()
    if request.method == "POST":
        form, done = _post_comment(
            request,
            lambda body: subject_comment_create(
                subject=the_subject, author=request.user, body=body
            ),
        )
        if done:
            return done
    the_discussion = Discussion.objects.filter(subject=the_subject).first()
    page = _thread_page(
        request,
        selectors.comments_of_discussion(discussion=the_discussion)
        if the_discussion is not None
        else Comment.objects.none(),
    )
    statuses = SubjectStatus.objects.filter(subject=the_subject).select_related("workflow")
    return render(
        request,
        "talk/subject.html",
        {
            "subject": the_subject,
            "payload": subject_payload(the_subject, talk_url=talk_url(the_subject.pk)),
            "statuses": statuses,
            "discussion": the_discussion,
            "page": page,
            "items": thread_items(list(page.object_list), request.user),
            "form": form,
            # X-ray morphology: only once this volunteer classified the subject (or for scientists).
            "morphology": morphology_for_viewer(
                subject_id=the_subject.pk,
                user=request.user,
                volunteer=volunteer_for_request(request, create=False),
            ),
            # More like this: the serving model's nearest subjects, model scores only where allowed.
            "similar": similar_subjects(
                subject_id=the_subject.pk,
                k=SIMILAR_SHOWN,
                user=request.user,
                volunteer=volunteer_for_request(request, create=False),
            ),
        },
        status=_status(form),
    )


def tag(request: HttpRequest, name: str) -> HttpResponse:
    lowered = name.lower()
    if lowered != name:
        return redirect("talk:tag", lowered)
    the_tag = Tag.objects.filter(name=lowered).first()
    comments = selectors.comments_with_tag(tag=the_tag) if the_tag else Comment.objects.none()
    page = Paginator(comments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "talk/tag.html",
        {
            "name": lowered,
            "tag": the_tag,
            "page": page,
            "items": thread_items(list(page.object_list), request.user),
        },
    )


def user_page(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    page = Paginator(selectors.comments_of_user(user=person), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    items = thread_items(list(page.object_list), request.user)
    return render(
        request,
        "talk/user.html",
        {"person": person, "page": page, "items": items},
    )


@login_required
def mentions(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, AbstractBaseUser)
    rows = list(selectors.mentions_of_user(user=request.user)[:100])
    unread = {row.pk for row in rows if row.read_at is None}
    # Reading the page changes nothing (a GET an <img> could trigger did mark them read): the button does.
    return render(request, "talk/mentions.html", {"rows": rows, "unread": unread})


@require_POST
@login_required
def mentions_read(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, AbstractBaseUser)
    mentions_mark_read(user=request.user)
    return redirect("talk:mentions")


def _comment(pk: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("discussion"), pk=pk)


def _back(request: HttpRequest, comment: Comment) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(comment.get_absolute_url())


def _refused(request: HttpRequest, error: TalkError) -> HttpResponse:
    return render(request, "talk/refused.html", {"message": error.message}, status=error.status)


@login_required
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(pk)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if comment.author_id != request.user.pk or not comment.is_visible:
        return _refused(request, TalkError("Only its author can change a comment.", 403))
    if request.method == "POST" and form.is_valid():
        try:
            comment_update(comment=comment, user=request.user, body=form.cleaned_data["body"])
        except TalkError as error:
            return _refused(request, error)
        return HttpResponseRedirect(comment.get_absolute_url())
    return render(
        request, "talk/comment_edit.html", {"comment": comment, "form": form}, status=_status(form)
    )


@require_POST
@login_required
def comment_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(pk)
    try:
        comment_delete(comment=comment, user=request.user)
    except TalkError as error:
        return _refused(request, error)
    messages.success(request, "Your comment was deleted.")
    return _back(request, comment)


@require_POST
@login_required
def comment_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(pk)
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        comment_report(comment=comment, user=request.user, reason=reason)
    except TalkError as error:
        return _refused(request, error)
    messages.success(request, "Thank you: a moderator will look at this comment.")
    return _back(request, comment)


@require_POST
@admin_required
def comment_hide_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(pk)
    comment_hide(comment=comment, user=request.user)
    messages.success(request, f"Comment {comment.pk} is hidden.")
    return _back(request, comment)


@require_POST
@admin_required
def comment_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(pk)
    comment_restore(comment=comment, user=request.user)
    messages.success(request, f"Comment {comment.pk} is shown again.")
    return _back(request, comment)


@require_POST
@admin_required
def reports_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(pk)
    reports_dismiss(comment=comment, user=request.user)
    messages.success(request, f"Reports on comment {comment.pk} dismissed.")
    return _back(request, comment)


@admin_required
def moderation(request: HttpRequest) -> HttpResponse:
    reported = list(selectors.moderation_queue()[:100])
    hidden = list(selectors.comments_hidden()[:100])
    return render(
        request,
        "talk/moderation.html",
        {
            "reported": thread_items(reported, request.user),
            "hidden": thread_items(hidden, request.user),
        },
    )
