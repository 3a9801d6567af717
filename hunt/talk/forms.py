"""Talk's HTML forms (the API validates with its own serializers)."""

from django import forms

from hunt.talk.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH

MARKDOWN_HELP = (
    "Markdown works: **bold**, _italic_, [links](https://example.org), #tags and @names."
)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Your comment",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=MARKDOWN_HELP,
    )


class DiscussionForm(forms.Form):
    title = forms.CharField(label="Title", max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label="Your message",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=MARKDOWN_HELP,
    )


class ReportForm(forms.Form):
    reason = forms.CharField(label="Why? (optional)", max_length=500, required=False)
